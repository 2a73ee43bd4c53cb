# shellcheck shell=bash
# The Novella test guest in the image service: built by tools/build-guest-image.sh and
# imported as EC2-style images, the way the seed's clouds registered theirs:
#
#   <name>-kernel   disk/container format aki   the Debian cloud kernel
#   <name>-ramdisk  disk/container format ari   the busybox initramfs (the whole guest)
#   <name>          disk/container format ami   a small raw ext2 disk, with the image
#                                               properties kernel_id and ramdisk_id
#                                               naming the two above
#
# so a driver boots <name> by direct kernel boot. Each image carries the property
# novella_build=<build hash>: a second stack.sh with unchanged inputs imports nothing,
# and a changed guest replaces the three images.
#
#   NOVELLA_GUEST_IMAGE       auto (default): only when this host can run the guest
#                             (virsh, qemu-system-x86_64, a Debian cloud kernel, busybox
#                             and dropbear are installed); yes: install
#                             NOVELLA_GUEST_PACKAGES first; no: never
#   NOVELLA_GUEST_IMAGE_NAME  the machine image's name (default: the default image's
#                             name, novella-tiny, so that the README's boot command
#                             starts a real guest; novella-guest when
#                             NOVELLA_DEFAULT_IMAGE_FILE brings another default image)
#   NOVELLA_GUEST_IMAGE_DIR   where the build goes (default $NOVELLA_STATE_DIR/guest-image)
#
# Expects NOVA_CONF, NOVELLA_STATE_DIR, NOVELLA_REPO and lib/image.sh sourced first.

NOVELLA_GUEST_IMAGE=${NOVELLA_GUEST_IMAGE:-auto}

# True when this host has what building and running the guest needs.
guest_image_runnable() {
    local tool
    for tool in virsh qemu-system-x86_64 busybox dropbear cpio mke2fs; do
        PATH=$PATH:/usr/sbin:/sbin command -v "$tool" >/dev/null 2>&1 || return 1
    done
    compgen -G '/boot/vmlinuz-*-cloud-amd64' >/dev/null
}

# _guest_image_field TABLE FIELD: a value of nova-manage's "| Property | Value |" table.
_guest_image_field() {
    awk -F'|' -v key="$2" '{
        name = $2; gsub(/^ +| +$/, "", name)
        if (name == key) { value = $3; gsub(/^ +| +$/, "", value); print value; exit }
    }' <<<"$1"
}

# _guest_image_id NAME: the id of the image called NAME, or nothing.
_guest_image_id() {
    local listing
    listing=$(novella_cmd nova-manage --config-file "$NOVA_CONF" image list </dev/null) ||
        die "nova-manage image list failed"
    awk -F'|' -v name="$1" '{
        id = $2; gsub(/ /, "", id); image = $3; gsub(/^ +| +$/, "", image)
        if (image == name) { print id; exit }
    }' <<<"$listing"
}

# _guest_image_import FILE NAME FORMAT [--property K=V]...: import, print the new id.
_guest_image_import() {
    local file=$1 name=$2 format=$3 shown
    shift 3
    shown=$(novella_cmd nova-manage --config-file "$NOVA_CONF" image import "$file" \
        --name "$name" --disk-format "$format" --container-format "$format" --public \
        "$@" </dev/null) || die "nova-manage image import $file ($name) failed"
    _guest_image_field "$shown" id
}

# import_guest_image: build the guest if needed and make sure the image service has it.
# On success NOVELLA_DEFAULT_IMAGE_NAME names the guest, unless NOVELLA_DEFAULT_IMAGE_FILE
# asked for another default image.
import_guest_image() {
    case "$NOVELLA_GUEST_IMAGE" in
    no) return 0 ;;
    yes) apt_install_missing "${NOVELLA_GUEST_PACKAGES[@]}" ;;
    auto)
        if ! guest_image_runnable; then
            say "no libvirt/QEMU/cloud kernel here: not building the guest image" \
                "(NOVELLA_GUEST_IMAGE=yes installs what it needs)"
            return 0
        fi
        ;;
    *) die "NOVELLA_GUEST_IMAGE must be auto, yes or no, not \"$NOVELLA_GUEST_IMAGE\"" ;;
    esac

    local name dir manifest build kernel_id ramdisk_id machine_id shown
    if [ -n "${NOVELLA_DEFAULT_IMAGE_FILE:-}" ]; then
        name=${NOVELLA_GUEST_IMAGE_NAME:-novella-guest}
    else
        name=${NOVELLA_GUEST_IMAGE_NAME:-$NOVELLA_DEFAULT_IMAGE_NAME}
    fi
    dir=${NOVELLA_GUEST_IMAGE_DIR:-$NOVELLA_STATE_DIR/guest-image}
    manifest=$("$NOVELLA_REPO/devstack-like/tools/build-guest-image.sh" -o "$dir") ||
        die "building the guest image failed"
    build=$(sed -n 's/^build_hash=//p' <<<"$manifest")

    machine_id=$(_guest_image_id "$name")
    if [ -n "$machine_id" ]; then
        shown=$(novella_cmd nova-manage --config-file "$NOVA_CONF" image show "$machine_id" \
            </dev/null) || die "nova-manage image show $machine_id failed"
        if [ "$(_guest_image_field "$shown" properties.novella_build)" = "$build" ]; then
            say "guest image $name is already in the image service (build ${build:0:12})"
            _guest_image_made_default "$name"
            return 0
        fi
        say "replacing guest image $name (a new build, ${build:0:12})"
        local old
        for old in "$machine_id" \
            "$(_guest_image_field "$shown" properties.kernel_id)" \
            "$(_guest_image_field "$shown" properties.ramdisk_id)"; do
            [ -n "$old" ] || continue
            novella_cmd nova-manage --config-file "$NOVA_CONF" image delete "$old" \
                </dev/null >/dev/null || say "WARNING: could not delete old image $old"
        done
    fi

    say "importing guest image $name (kernel, ramdisk, disk) from $dir"
    kernel_id=$(_guest_image_import "$(sed -n 's/^kernel=//p' <<<"$manifest")" \
        "$name-kernel" aki --property "novella_build=$build")
    ramdisk_id=$(_guest_image_import "$(sed -n 's/^ramdisk=//p' <<<"$manifest")" \
        "$name-ramdisk" ari --property "novella_build=$build")
    if [ -z "$kernel_id" ] || [ -z "$ramdisk_id" ]; then
        die "the guest's kernel or ramdisk got no image id"
    fi
    machine_id=$(_guest_image_import "$(sed -n 's/^disk=//p' <<<"$manifest")" \
        "$name" ami --property "kernel_id=$kernel_id" --property "ramdisk_id=$ramdisk_id" \
        --property "novella_build=$build")
    say "guest image $name is $machine_id (kernel $kernel_id, ramdisk $ramdisk_id)"
    _guest_image_made_default "$name"
}

_guest_image_made_default() {
    if [ -z "${NOVELLA_DEFAULT_IMAGE_FILE:-}" ]; then
        NOVELLA_DEFAULT_IMAGE_NAME=$1
    fi
}
