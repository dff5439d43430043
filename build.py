"""Build the Parallax digest. Run `python build.py --help` for the commands."""

from parallax.cli import run

if __name__ == "__main__":
    run()
