"""Build the Parallax digest. Run `python build.py --help` for the commands."""

from parallax.cli import main

if __name__ == "__main__":
    main()
