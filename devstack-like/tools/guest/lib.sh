# shellcheck shell=sh
# Shared by the guest's boot scripts (sourced).

# The serial port is where the hypervisor's console log is, whatever `console=` the
# kernel command line lists last (Nova passes tty0, ttyS0 and hvc0): rcS points
# /run/novella/console at ttyS0 when it opens, at /dev/console otherwise.
NOVELLA_CONSOLE=/run/novella/console

# marker TEXT...: one line on the console, in a single write so that nothing
# interleaves inside it.
marker() {
    echo "$*" >"$NOVELLA_CONSOLE" 2>/dev/null || echo "$*" >/dev/console
}

# cmdline_arg NAME: the value of NAME=VALUE on the kernel command line, or nothing.
cmdline_arg() {
    # shellcheck disable=SC2013  # the command line is one line of words
    for word in $(cat /proc/cmdline); do
        case "$word" in
        "$1"=*) echo "${word#*=}" && return 0 ;;
        esac
    done
    return 1
}
