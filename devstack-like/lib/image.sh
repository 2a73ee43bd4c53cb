# shellcheck shell=bash
# The default image of an all-in-one cloud, imported once into the image service.
#
#   NOVELLA_DEFAULT_IMAGE_NAME    name of the default image (default: novella-tiny)
#   NOVELLA_DEFAULT_IMAGE_FILE    a disk image to import instead of a generated one
#                                 (e.g. a downloaded cirros-0.6.2-x86_64-disk.img)
#   NOVELLA_DEFAULT_IMAGE_FORMAT  its disk format (default: qcow2)
#
# Without a file, a blank 1 GiB qcow2 disk is made with qemu-img (or, without
# qemu-img, a blank 1 MiB raw file): enough for the fake driver to boot servers from.
# Expects NOVA_CONF, NOVELLA_STATE_DIR.

NOVELLA_DEFAULT_IMAGE_NAME=${NOVELLA_DEFAULT_IMAGE_NAME:-novella-tiny}

import_default_image() {
    local name=$NOVELLA_DEFAULT_IMAGE_NAME listing file format
    listing=$(novella_cmd nova-manage --config-file "$NOVA_CONF" image list </dev/null) ||
        die "nova-manage image list failed"
    if grep -qF -- "| $name " <<<"$listing"; then
        say "default image $name is already in the image service"
        return 0
    fi
    if [ -n "${NOVELLA_DEFAULT_IMAGE_FILE:-}" ]; then
        file=$NOVELLA_DEFAULT_IMAGE_FILE
        format=${NOVELLA_DEFAULT_IMAGE_FORMAT:-qcow2}
        [ -f "$file" ] || die "NOVELLA_DEFAULT_IMAGE_FILE=$file does not exist"
    elif command -v qemu-img >/dev/null 2>&1; then
        file=$NOVELLA_STATE_DIR/$name.qcow2
        format=qcow2
        rm -f "$file"
        qemu-img create -q -f qcow2 "$file" 1G || die "qemu-img create $file failed"
    else
        file=$NOVELLA_STATE_DIR/$name.raw
        format=raw
        rm -f "$file"
        truncate -s 1M "$file" || die "could not create $file"
    fi
    say "importing default image $name ($format) from $file"
    novella_cmd nova-manage --config-file "$NOVA_CONF" image import "$file" \
        --name "$name" --disk-format "$format" --container-format bare --public \
        </dev/null >/dev/null || die "nova-manage image import $file failed"
}
