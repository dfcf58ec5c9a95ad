# Sourced by the standalone benchmark scripts: http_get PORT PATH prints the whole reply (headers
# included) of a GET to 127.0.0.1, over bash's /dev/tcp (the device machine has no curl).
http_get() { ( exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$2" >&3 && cat <&3 ) 2>/dev/null; }
