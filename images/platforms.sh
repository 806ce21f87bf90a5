# shellcheck shell=bash
# The image platforms (linux/amd64, linux/arm64) and what each is called by
# the tools that build for it. Sourced by images/build.sh,
# testbed/install.sh and testbed/product-images.sh.

# This machine's platform, as OCI names it.
host_platform() {
  case $(uname -m) in
    x86_64) echo linux/amd64 ;;
    aarch64) echo linux/arm64 ;;
    *) echo "images: unsupported host architecture $(uname -m)" >&2 && return 1 ;;
  esac
}

# The GNU triple: Debian's multiarch directory and the cross tools' prefix.
gnu_triple() {
  case $1 in
    linux/amd64) echo x86_64-linux-gnu ;;
    linux/arm64) echo aarch64-linux-gnu ;;
    *) echo "images: unsupported platform '$1' (linux/amd64, linux/arm64)" >&2 && return 1 ;;
  esac
}

# Rust's target for the platform.
rust_target() {
  local triple
  triple=$(gnu_triple "$1") || return 1
  echo "${triple%%-*}-unknown-linux-gnu"
}

# Where the platform's C runtime is: the host's own, or the cross sysroot
# (libc6-dev-arm64-cross and the like).
sysroot_libs() {
  local triple
  triple=$(gnu_triple "$1") || return 1
  if [ "$1" = "$(host_platform)" ]; then
    echo "/lib/$triple"
  else
    echo "/usr/$triple/lib"
  fi
}

# The Debian packages that cross-compile for the platform (none for the host's).
cross_packages() {
  [ "$1" = "$(host_platform)" ] && return 0
  local triple arch=${1#linux/}
  triple=$(gnu_triple "$1") || return 1
  echo "gcc-$triple g++-$triple libc6-dev-$arch-cross"
}
