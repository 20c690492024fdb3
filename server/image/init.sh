#!/bin/sh
# /init of the xcp-pxe install image: mounts what the kernel offers, loads
# the image's modules, runs xcp-installer (which brings the network up from
# BOOTIF=, network_device= and network_config=, and fetches answerfile=),
# then acts on atexit=: reboot, poweroff or shell. Without atexit=, a
# success reboots and a failure keeps a shell on the console.
#
# XCP_INIT_DRY=1 (tests): nothing is mounted, loaded or rebooted; each such
# step is printed as "would: ...". XCP_CMDLINE names the command line file
# and XCP_INSTALLER the program run.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
cmdline_file=${XCP_CMDLINE:-/proc/cmdline}
installer=${XCP_INSTALLER:-/usr/sbin/xcp-installer}
log=${XCP_INIT_LOG:-/tmp/xcp-installer.log}

say() { echo "xcp-init: $*"; }
step() {
    if [ -n "$XCP_INIT_DRY" ]; then
        echo "would: $*"
    else
        "$@"
    fi
}

# The value of KEY= on the command line (the last one wins, as in the kernel).
cmdline_value() {
    value=
    for word in $(cat "$cmdline_file" 2>/dev/null); do
        case "$word" in
            "$1"=*) value=${word#*=} ;;
        esac
    done
    echo "$value"
}

# What to do at the end: atexit= when it is one we know, else reboot after a
# success and a shell after a failure.
action_for() {
    status=$1
    atexit=$2
    case "$atexit" in
        reboot|poweroff|shell) echo "$atexit" ;;
        "") if [ "$status" = 0 ]; then echo reboot; else echo shell; fi ;;
        *) say "atexit=$atexit is not reboot, poweroff or shell; ignored" >&2
           if [ "$status" = 0 ]; then echo reboot; else echo shell; fi ;;
    esac
}

mount_kernel_filesystems() {
    step mkdir -p /proc /sys /dev /tmp /run /mnt /var/tmp
    step mount -t proc proc /proc
    step mount -t sysfs sysfs /sys
    step mount -t devtmpfs devtmpfs /dev
    step mkdir -p /dev/pts
    step mount -t devpts devpts /dev/pts
    step mount -t tmpfs -o mode=1777 tmpfs /tmp
    step mount -t tmpfs tmpfs /run
    step ip link set lo up
}

load_modules() {
    [ -f /etc/xcp-modules ] || return 0
    while read -r module; do
        [ -n "$module" ] || continue
        step insmod "$module" 2>/dev/null || say "could not load $module"
    done < /etc/xcp-modules
}

# NICs and disks appear as their drivers probe: wait for a NIC, boundedly.
wait_for_devices() {
    [ -n "$XCP_INIT_DRY" ] && return 0
    tries=0
    while [ $tries -lt 20 ]; do
        for nic in /sys/class/net/*; do
            [ "${nic##*/}" = lo ] || [ ! -e "$nic" ] || return 0
        done
        sleep 0.5
        tries=$((tries + 1))
    done
    say "no network interface appeared in 10 s"
}

# /dev/console is only the last console= of the command line (tty0 in the
# vendor's "console=hvc0 console=tty0"): what this script and the installer
# say goes to every active console, so a serial console sees it too.
mirror_consoles() {
    [ -n "$XCP_INIT_DRY" ] && return 0
    set --
    for c in $(cat /sys/class/tty/console/active 2>/dev/null); do
        [ -c "/dev/$c" ] && set -- "$@" "/dev/$c"
    done
    [ $# -gt 1 ] || return 0
    mkfifo /run/console-mirror 2>/dev/null || return 0
    tee "$@" < /run/console-mirror > /dev/null &
    exec > /run/console-mirror 2>&1
}

finish() {
    case "$1" in
        reboot) say "rebooting"; step sync; step reboot -f ;;
        poweroff) say "powering off"; step sync; step poweroff -f ;;
        shell) say "a shell on the console (exit it to reboot)"
               if [ -n "$XCP_INIT_DRY" ]; then echo "would: sh"; else
                   setsid cttyhack sh 2>/dev/null || sh; sync; reboot -f
               fi ;;
    esac
}

main() {
    if [ -z "$XCP_INIT_DRY" ]; then
        mount_kernel_filesystems
        exec </dev/console >/dev/console 2>&1
        mirror_consoles
    fi
    load_modules
    wait_for_devices
    say "running $installer"
    status_file=$(mktemp 2>/dev/null || echo /tmp/xcp-installer.status)
    { "$installer" --network on --cmdline "$cmdline_file"; echo $? > "$status_file"; } 2>&1 | tee "$log"
    status=$(cat "$status_file" 2>/dev/null)
    rm -f "$status_file"
    [ -n "$status" ] || status=1
    if [ "$status" = 0 ]; then
        say "the install succeeded"
    else
        say "xcp-installer failed (exit $status); its last lines:"
        tail -n 20 "$log" | sed 's/^/  | /'
    fi
    finish "$(action_for "$status" "$(cmdline_value atexit)")"
}

main "$@"
