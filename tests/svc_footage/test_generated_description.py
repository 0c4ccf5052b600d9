"""The description the footage stage writes for a generated background."""

from pathlib import Path

import pytest
from pydantic import ValidationError

from common.documents import GeneratedBackground, load_document
from svc_footage.generated import clip_seed, write_description


def test_a_description_holds_the_seed_and_reads_back(tmp_path: Path) -> None:
    # Given a segment's seed
    seed = clip_seed("lighthouse", 3)

    # When its description is written
    path = tmp_path / "clip_003.json"
    write_description(path, seed=seed)

    # Then it reads back as the same generated background, in a few dozen bytes
    assert load_document(GeneratedBackground, path) == GeneratedBackground(seed=seed)
    assert path.stat().st_size < 100


@pytest.mark.parametrize(
    "fields",
    [{"seed": -1}, {"seed": 2**64}, {"seed": 1, "kind": "stock"}, {"seed": 1, "speed": 9}],
)
def test_a_description_outside_its_bounds_is_refused(fields: dict[str, object]) -> None:
    # Given fields out of range, of another kind, or unknown; then validation refuses them
    with pytest.raises(ValidationError):
        GeneratedBackground.model_validate(fields)
