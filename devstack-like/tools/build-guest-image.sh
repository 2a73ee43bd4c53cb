#!/usr/bin/env bash
# Build the Novella test guest: a tiny CirrOS-like machine from Debian packages only,
# offline, in a few seconds, as three EC2-style images:
#
#   vmlinuz      AKI  the Debian cloud kernel (/boot/vmlinuz-*-cloud-amd64)
#   initrd.img   ARI  busybox-static + the virtio/ACPI modules + dropbear; the whole
#                     guest runs from it (see tools/guest/rcS for what it does at boot)
#   disk.img     AMI  a small raw ext2 disk holding a NOVELLA-DISK marker file, so that
#                     the image set has a machine image to attach and a "root disk" the
#                     guest mounts and reports; the guest never switches root to it
#   manifest          key=value lines: paths, kernel version, build hash, checksums
#
# Usage: build-guest-image.sh [-o OUTPUT_DIR] [-k KERNEL_VERSION] [-s DISK_MIB] [-f]
#   -o  where the images go (default: $NOVELLA_GUEST_IMAGE_DIR or ./guest-image)
#   -k  kernel version, e.g. 6.1.0-56-cloud-amd64 (default: the newest cloud kernel)
#   -s  size of the AMI disk in MiB (default 16)
#   -f  rebuild even when nothing changed
#
# Idempotent: the build hash covers every input (this script, tools/guest/*, the kernel,
# the modules, busybox, dropbear and its libraries, the options); when the manifest in
# OUTPUT_DIR already has that hash the script does nothing. Reproducible: the same inputs
# give byte-identical files (fixed timestamps, sorted cpio, gzip -n, fixed ext2 UUID and
# hash seed). Concurrent builds into the same directory are serialised with flock.
# The manifest is printed on stdout at the end; progress goes to stderr.
#
# Needs (Debian 12): linux-image-cloud-amd64 busybox-static dropbear-bin cpio kmod
# e2fsprogs util-linux gzip.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
guest_src=$here/guest
out=${NOVELLA_GUEST_IMAGE_DIR:-$PWD/guest-image}
kver=
disk_mib=16
force=no

# Drivers the guest loads, in this order once modprobe has added their dependencies:
# virtio PCI transport, block and net, the ACPI power button and evdev (for acpid).
GUEST_MODULES=(virtio_pci virtio_blk virtio_net button evdev)
# Bumped when the layout of the outputs changes in a way the inputs do not show.
FORMAT_VERSION=1
DISK_UUID=6e6f7665-6c6c-6167-7565-737464697363
DISK_HASH_SEED=6e6f7665-6c6c-6168-6173-687365656430

log() { printf '[build-guest-image] %s\n' "$*" >&2; }
die() {
    printf '[build-guest-image] ERROR: %s\n' "$*" >&2
    exit 1
}

while getopts o:k:s:fh opt; do
    case "$opt" in
    o) out=$OPTARG ;;
    k) kver=$OPTARG ;;
    s) disk_mib=$OPTARG ;;
    f) force=yes ;;
    h)
        sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
        exit 0
        ;;
    *) die "usage: $0 [-o OUTPUT_DIR] [-k KERNEL_VERSION] [-s DISK_MIB] [-f]" ;;
    esac
done
[[ "$disk_mib" =~ ^[0-9]+$ && "$disk_mib" -ge 2 ]] || die "-s wants a size in MiB >= 2"

need() { # need COMMAND DEBIAN_PACKAGE
    command -v "$1" >/dev/null 2>&1 || die "$1 not found: install the Debian package $2"
}
PATH=$PATH:/usr/sbin:/sbin
need busybox busybox-static
need dropbear dropbear-bin
need cpio cpio
need modprobe kmod
need mke2fs e2fsprogs
need debugfs e2fsprogs
need flock util-linux
need gzip gzip
need ldd libc-bin
busybox_bin=$(command -v busybox)
dropbear_bin=$(command -v dropbear)
# (The list is read whole: grep -q would close the pipe early and fail under pipefail.)
applets=$("$busybox_bin" --list)
grep -qx acpid <<<"$applets" || die "$busybox_bin has no acpid: install busybox-static"

if [ -z "$kver" ]; then
    kernel=$(find /boot -maxdepth 1 -name 'vmlinuz-*-cloud-amd64' | sort -V | tail -n 1)
    [ -n "$kernel" ] || die "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64"
    kver=${kernel#/boot/vmlinuz-}
else
    kernel=/boot/vmlinuz-$kver
fi
[ -r "$kernel" ] || die "cannot read $kernel"
[ -d "/lib/modules/$kver" ] || die "no /lib/modules/$kver for kernel $kernel"

# Module files in load order: each module after what it depends on, each once.
modules=()
for name in "${GUEST_MODULES[@]}"; do
    deps=$(modprobe -S "$kver" --show-depends "$name") ||
        die "modprobe -S $kver --show-depends $name failed"
    while read -r kind path _; do
        [ "$kind" = insmod ] || continue
        case " ${modules[*]:-} " in *" $path "*) continue ;; esac
        modules+=("$path")
    done <<<"$deps"
done
for path in "${modules[@]}"; do
    case "$path" in *.ko) ;; *) die "compressed module $path: not supported by busybox insmod here" ;; esac
done

# dropbear's shared libraries and the dynamic loader, as ldd names them.
mapfile -t dropbear_libs < <(ldd "$dropbear_bin" |
    sed -n 's/.*=> \(\/[^ ]*\) (.*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p' | sort -u)
[ "${#dropbear_libs[@]}" -gt 0 ] || die "ldd found no libraries for $dropbear_bin"

mkdir -p "$out"
out=$(cd "$out" && pwd)
exec 9>"$out/.lock"
flock 9

inputs=("$0" "$kernel" "$busybox_bin" "$dropbear_bin" "${modules[@]}" "${dropbear_libs[@]}")
mapfile -t guest_files < <(find "$guest_src" -type f | LC_ALL=C sort)
build_hash=$(
    {
        printf 'format=%s kver=%s disk_mib=%s modules=%s\n' \
            "$FORMAT_VERSION" "$kver" "$disk_mib" "${GUEST_MODULES[*]}"
        for file in "${inputs[@]}"; do
            printf '%s %s\n' "$(sha256sum <"$file" | cut -d' ' -f1)" "${file##*/}"
        done
        for file in "${guest_files[@]}"; do
            printf '%s %s %s\n' "$(sha256sum <"$file" | cut -d' ' -f1)" \
                "$(stat -c %a "$file")" "${file#"$guest_src"/}"
        done
    } | sha256sum | cut -d' ' -f1
)

if [ "$force" = no ] && [ -f "$out/manifest" ] &&
    grep -qx "build_hash=$build_hash" "$out/manifest" &&
    [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ] && [ -f "$out/disk.img" ]; then
    log "up to date in $out (build $build_hash)"
    cat "$out/manifest"
    exit 0
fi

started=$(date +%s%N)
log "building kernel $kver into $out"
work=$(mktemp -d "$out/.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Every timestamp in the outputs: fixed by the kernel build, so equal inputs give equal
# bytes (SOURCE_DATE_EPOCH overrides it, as reproducible-builds tools expect).
epoch=${SOURCE_DATE_EPOCH:-$(stat -c %Y "$kernel")}

# --- the initramfs (ARI) -------------------------------------------------------------
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/init.d,etc/udhcpc,etc/novella,etc/dropbear} \
    "$root"/{etc/acpi/PWRF,lib/modules,dev,proc,sys,run,tmp,mnt,root,var/log,var/run}
chmod 1777 "$root/tmp"
chmod 0700 "$root/root"
install -m 0755 "$busybox_bin" "$root/bin/busybox"
while read -r applet; do
    [ "$applet" = bin/busybox ] && continue
    [ -e "$root/$applet" ] && continue
    [ -d "$root/${applet%/*}" ] || mkdir -p "$root/${applet%/*}"
    ln -s /bin/busybox "$root/$applet"
done < <("$busybox_bin" --list-full)
ln -s bin/busybox "$root/init"

install -m 0755 "$dropbear_bin" "$root/usr/sbin/dropbear"
for lib in "${dropbear_libs[@]}"; do
    mkdir -p "$root$(dirname "$lib")"
    cp -L "$lib" "$root$lib"
    chmod 0755 "$root$lib"
done

: >"$root/etc/novella/modules"
for path in "${modules[@]}"; do
    install -m 0644 "$path" "$root/lib/modules/${path##*/}"
    printf '%s\n' "${path##*/}" >>"$root/etc/novella/modules"
done
printf '%s\n' "$kver" >"$root/etc/novella/kernel-version"
printf '%s\n' "$build_hash" >"$root/etc/novella/build"

install -m 0644 "$guest_src/inittab" "$root/etc/inittab"
install -m 0755 "$guest_src/rcS" "$root/etc/init.d/rcS"
install -m 0755 "$guest_src/rcK" "$root/etc/init.d/rcK"
install -m 0755 "$guest_src/user-data" "$root/etc/init.d/user-data"
install -m 0644 "$guest_src/lib.sh" "$root/etc/novella/lib.sh"
install -m 0755 "$guest_src/udhcpc.script" "$root/etc/udhcpc/default.script"
install -m 0755 "$guest_src/power-button" "$root/etc/acpi/PWRF/00000080"
printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:*:0:0:99999:7:::\n' >"$root/etc/shadow"
chmod 0600 "$root/etc/shadow"
printf 'root:x:0:\n' >"$root/etc/group"
printf '/bin/sh\n' >"$root/etc/shells"
printf '127.0.0.1 localhost\n' >"$root/etc/hosts"
# Without these, static busybox's NSS lookups (wget asks for the "http" port) load the
# shared libc's modules that dropbear brought along, and crash.
printf 'passwd: files\ngroup: files\nshadow: files\nhosts: files\nservices: files\n' \
    >"$root/etc/nsswitch.conf"
printf 'ssh 22/tcp\nhttp 80/tcp www\nhttps 443/tcp\n' >"$root/etc/services"
: >"$root/etc/resolv.conf"

find "$root" -exec touch -h -d "@$epoch" {} +
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
    cpio --quiet -o -H newc -R 0:0 --reproducible) | gzip -n -6 >"$work/initrd.img"

# --- the machine image (AMI): a raw ext2 disk with a marker ------------------------------
disk_root=$work/disk
mkdir -p "$disk_root"
printf 'novella-guest root disk (kernel %s)\n' "$kver" >"$disk_root/NOVELLA-DISK"
find "$disk_root" -exec touch -h -d "@$epoch" {} +
truncate -s "${disk_mib}M" "$work/disk.img"
E2FSPROGS_FAKE_TIME=$epoch mke2fs -q -F -t ext2 -m 0 -L novella-root -U "$DISK_UUID" \
    -E "hash_seed=$DISK_HASH_SEED,root_owner=0:0" -d "$disk_root" "$work/disk.img" ||
    die "mke2fs failed"
# mke2fs -d copies each file's ctime, which no tool can set on the source: fix it inside.
E2FSPROGS_FAKE_TIME=$epoch debugfs -w -R "set_inode_field /NOVELLA-DISK ctime @$epoch" \
    "$work/disk.img" >/dev/null 2>&1 || die "debugfs could not fix the marker's ctime"

# --- the kernel (AKI) ----------------------------------------------------------------
cp "$kernel" "$work/vmlinuz"

chmod 0644 "$work/vmlinuz" "$work/initrd.img" "$work/disk.img"
for file in vmlinuz initrd.img disk.img; do
    mv -f "$work/$file" "$out/$file"
done
cat >"$work/manifest" <<MANIFEST
build_hash=$build_hash
kernel_version=$kver
kernel=$out/vmlinuz
ramdisk=$out/initrd.img
disk=$out/disk.img
disk_format=raw
kernel_sha256=$(sha256sum <"$out/vmlinuz" | cut -d' ' -f1)
ramdisk_sha256=$(sha256sum <"$out/initrd.img" | cut -d' ' -f1)
disk_sha256=$(sha256sum <"$out/disk.img" | cut -d' ' -f1)
modules=$(tr '\n' ' ' <"$root/etc/novella/modules" | sed 's/ $//')
MANIFEST
mv -f "$work/manifest" "$out/manifest"
log "built in $((($(date +%s%N) - started) / 1000000)) ms: $(du -h "$out/initrd.img" | cut -f1) initramfs"
cat "$out/manifest"
