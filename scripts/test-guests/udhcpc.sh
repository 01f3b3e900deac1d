#!/bin/sh
# busybox udhcpc hook of the Gureum test guests (udhcpc does nothing by itself without a script).
# Configures the address and prints "TG-LEASE ip=<addr>" on the consoles when a lease is bound.
case "$1" in
  deconfig) ip -4 addr flush dev "$interface"; ip link set "$interface" up ;;
  bound|renew)
    old=$(cat /lease 2>/dev/null)
    ip -4 addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface"
    echo "ip=$ip" >/lease
    if [ "$old" != "ip=$ip" ]; then
      echo "TG-LEASE ip=$ip" >/dev/console
      echo "TG-LEASE ip=$ip" >/dev/tty1 2>/dev/null
    fi ;;
esac
exit 0
