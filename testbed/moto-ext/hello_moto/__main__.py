"""moto_server with hello_moto's EKS and MSK extensions: python -m hello_moto -H 127.0.0.1 -p PORT."""

from moto.server import main

from . import install

if __name__ == "__main__":
    install()
    main()
