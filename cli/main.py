"""The ``t2v`` command: ``t2v up`` runs the whole service, ``t2v generate`` makes one video,
``t2v mcp`` serves the service's tools to an agent."""

import argparse
import sys
from pathlib import Path
from typing import get_args

from common.messages import (
    CaptionPosition,
    FootageProvider,
    MediaOrder,
    Orientation,
    QueryProvider,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="t2v", description="Text to narrated video.")
    commands = parser.add_subparsers(dest="command", required=True)

    up_parser = commands.add_parser(
        "up", help="run the gateway and all five stage services on this machine"
    )
    up_parser.add_argument("--port", type=int, help="HTTP port (default 5000, or T2V_PORT)")
    up_parser.add_argument("--data-dir", type=Path, help="shared data directory (T2V_DATA_DIR)")

    mcp_parser = commands.add_parser(
        "mcp", help="serve the service's tools to an agent over stdin and stdout (MCP)"
    )
    mcp_parser.add_argument("--data-dir", type=Path, help="shared data directory (T2V_DATA_DIR)")

    generate_parser = commands.add_parser(
        "generate", help="make one video in this process, no broker needed"
    )
    generate_parser.add_argument(
        "text", nargs="?", help="the story text, or - to read it from stdin"
    )
    generate_parser.add_argument("-o", "--output", type=Path, default=Path("output.mp4"))
    from_topic = generate_parser.add_argument_group(
        "a story from a topic, instead of a text (needs T2V_LLM_BASE_URL and T2V_LLM_MODEL)"
    )
    from_topic.add_argument("--topic", help="what the story is about; a chat model writes it")
    from_topic.add_argument("--target-seconds", type=float, help="about how long (default 60)")
    from_topic.add_argument("--tone", help='a few words, e.g. "calm"')
    from_topic.add_argument("--language", help="a BCP 47 tag, e.g. fr (default: the voice's)")
    video = generate_parser.add_argument_group("video")
    video.add_argument("--orientation", choices=get_args(Orientation), default="portrait")
    video.add_argument("--preview", action="store_true", help="half size, for a quick look")
    video.add_argument("--width", type=int, help="override the orientation's width")
    video.add_argument("--height", type=int, help="override the orientation's height")
    video.add_argument("--fps", type=int, default=30)
    video.add_argument("--music", action="store_true", help="background music (T2V_MUSIC_DIR)")
    captions = generate_parser.add_argument_group("captions")
    captions.add_argument("--no-captions", action="store_true")
    captions.add_argument("--no-highlight", action="store_true", help="no spoken-word colour")
    captions.add_argument("--caption-position", choices=get_args(CaptionPosition))
    captions.add_argument("--caption-size", type=int, help="font size in pixels")
    captions.add_argument("--caption-box", action="store_true", help="a box behind the text")
    providers = generate_parser.add_argument_group("providers (default: the T2V_ settings)")
    providers.add_argument("--voice", help="a voice id, e.g. piper:joe-medium (T2V_VOICE)")
    providers.add_argument("--speaking-rate", type=float, help="1.0 is the voice's own pace")
    providers.add_argument("--query-provider", choices=get_args(QueryProvider))
    providers.add_argument("--footage-provider", choices=get_args(FootageProvider))
    own = generate_parser.add_argument_group("your own clips and images")
    own.add_argument(
        "--media",
        type=Path,
        metavar="DIR",
        help="clips and images to use first (MP4, MOV, WebM, MKV, JPEG, PNG, WebP), in name "
        "order; <name>.txt beside one describes it",
    )
    own.add_argument(
        "--media-order",
        choices=get_args(MediaOrder),
        default="relevance",
        help="listed: one a segment in name order; relevance: where the description fits (default)",
    )
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
    if args.command == "mcp":
        from cli.mcp import mcp

        return mcp(data_dir=args.data_dir)
    from cli.generate import StoryAsked, generate

    if (args.text is None) == (args.topic is None):
        print("t2v: give a text or --topic, one of them", file=sys.stderr)
        return 2
    text = sys.stdin.read() if args.text == "-" else args.text
    story = None
    if args.topic is not None:
        story = StoryAsked(args.topic, args.target_seconds, args.tone)
    return generate(
        text or "",
        output=args.output,
        options=_job_options(args),
        data_dir=args.data_dir,
        keep_work=args.keep_work,
        story=story,
        media_dir=args.media,
    )


def _job_options(args: argparse.Namespace) -> dict[str, object]:
    """The job options the flags ask for, leaving the rest to the options' defaults."""
    options: dict[str, object] = {
        "orientation": args.orientation,
        "preview": args.preview,
        "fps": args.fps,
        "music": args.music,
    }
    flags = {
        "width": args.width,
        "height": args.height,
        "voice": args.voice,
        "speaking_rate": args.speaking_rate,
        "query_provider": args.query_provider,
        "footage_provider": args.footage_provider,
        "language": args.language,
        "media_order": args.media_order if args.media is not None else None,
    }
    options.update({name: value for name, value in flags.items() if value is not None})
    captions: dict[str, object] = {
        "enabled": not args.no_captions,
        "highlight": not args.no_highlight,
        "box": args.caption_box,
    }
    if args.caption_position is not None:
        captions["position"] = args.caption_position
    if args.caption_size is not None:
        captions["font_size"] = args.caption_size
    options["captions"] = captions
    return options


if __name__ == "__main__":
    sys.exit(main())
