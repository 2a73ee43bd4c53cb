# shellcheck shell=bash
# The Debian packages Novella needs: the one list to extend when a driver needs a tool.

# What the embedded default needs (stack.sh, NOVELLA_MODE=all-in-one): no broker, no
# database server.
NOVELLA_ALL_IN_ONE_PACKAGES=(
    python3-venv
)

# What building libvirt-python (the `libvirt` extra, which ensure_venv installs for the
# libvirt driver) needs: libvirt's headers, pkg-config to find them, a C compiler and
# Python's headers.
NOVELLA_LIBVIRT_PYTHON_PACKAGES=(
    libvirt-dev
    pkg-config
    gcc
    python3-dev
)
NOVELLA_ALL_IN_ONE_PACKAGES+=("${NOVELLA_LIBVIRT_PYTHON_PACKAGES[@]}")

# What a cloud of separate daemons needs (stack.sh, NOVELLA_MODE=services).
NOVELLA_RUNTIME_PACKAGES=(
    "${NOVELLA_ALL_IN_ONE_PACKAGES[@]}"
    rabbitmq-server
)

# What the test suite needs (run_tests.sh): the runtime plus every database it tests on.
NOVELLA_TEST_PACKAGES=(
    "${NOVELLA_RUNTIME_PACKAGES[@]}"
    mariadb-server
    postgresql
)

# cinder-volume's tools: lvm2 (LVM driver), tgt (iSCSI target, tgtadm), qemu-utils
# (file driver, image <-> volume copies), qemu-block-extra (QEMU's own iSCSI initiator,
# used by the computes) and libiscsi-bin (iscsi-ls / iscsi-inq, to check a target).
NOVELLA_VOLUME_PACKAGES=(
    lvm2
    tgt
    libiscsi-bin
    qemu-utils
    qemu-block-extra
)
NOVELLA_RUNTIME_PACKAGES+=("${NOVELLA_VOLUME_PACKAGES[@]}")
NOVELLA_TEST_PACKAGES+=("${NOVELLA_VOLUME_PACKAGES[@]}")

# The test guest (devstack-like/tools/build-guest-image.sh, lib/guest_image.sh) and what
# runs it: QEMU and libvirt, the Debian cloud kernel (AKI), busybox-static, dropbear-bin
# (the SSH server without Debian's init scripts), cpio and kmod (the initramfs and its
# module order), e2fsprogs (the AMI's ext2); openssh-client logs into the guest in tests.
NOVELLA_GUEST_PACKAGES=(
    qemu-system-x86
    qemu-utils
    libvirt-daemon-system
    libvirt-clients
    linux-image-cloud-amd64
    busybox-static
    dropbear-bin
    cpio
    kmod
    e2fsprogs
    openssh-client
)
NOVELLA_TEST_PACKAGES+=("${NOVELLA_GUEST_PACKAGES[@]}")
