"""The ``t2v`` command: ``t2v up`` runs the whole service, ``t2v generate`` makes one video."""

import argparse
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="t2v", description="Text to narrated video.")
    commands = parser.add_subparsers(dest="command", required=True)

    up_parser = commands.add_parser(
        "up", help="run the gateway and all five stage services on this machine"
    )
    up_parser.add_argument("--port", type=int, help="HTTP port (default 5000, or T2V_PORT)")
    up_parser.add_argument("--data-dir", type=Path, help="shared data directory (T2V_DATA_DIR)")

    generate_parser = commands.add_parser(
        "generate", help="make one video in this process, no broker needed"
    )
    generate_parser.add_argument("text", help="the story text, or - to read it from stdin")
    generate_parser.add_argument("-o", "--output", type=Path, default=Path("output.mp4"))
    generate_parser.add_argument("--width", type=int, default=1080)
    generate_parser.add_argument("--height", type=int, default=1920)
    generate_parser.add_argument("--fps", type=int, default=30)
    generate_parser.add_argument(
        "--data-dir", type=Path, help="where to keep intermediate files (T2V_DATA_DIR)"
    )
    generate_parser.add_argument(
        "--keep-work", action="store_true", help="keep the intermediate files of the job"
    )

    args = parser.parse_args(argv)
    # Imported per command: `up` should not pay for loading the media libraries.
    if args.command == "up":
        from cli.up import up

        return up(port=args.port, data_dir=args.data_dir)
    from cli.generate import generate

    text = sys.stdin.read() if args.text == "-" else args.text
    return generate(
        text,
        output=args.output,
        size=(args.width, args.height, args.fps),
        data_dir=args.data_dir,
        keep_work=args.keep_work,
    )


if __name__ == "__main__":
    sys.exit(main())
