from texpack import _sigint

_sigint.install()  # before the CLI's imports, so an early Ctrl-C exits quietly too

from texpack.cli import main  # noqa: E402

if __name__ == "__main__":
    main()
