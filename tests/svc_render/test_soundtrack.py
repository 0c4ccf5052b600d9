import logging
import wave
from pathlib import Path

import av
import numpy as np
import pytest

from common.artifacts import JobPaths
from common.documents import Captions, FootageClip, FootageManifest, save_document
from common.messages import JobOptions, StageMessage
from common.settings import Settings
from svc_footage.generated import write_generated_clip
from svc_render.loudness import integrated_loudness
from svc_render.narration import Narration
from svc_render.settings import RenderSettings
from svc_render.soundtrack import AudioMix, soundtrack
from svc_render.stage import RenderStage
from tests.media_checks import probe

RATE = 16000
TARGET = -16.0
MUSIC_LEVEL = -20.0
CEILING = 10 ** (-1 / 20)
ENCODERS = {".mp3": "libmp3lame", ".m4a": "aac", ".opus": "libopus", ".wav": "pcm_s16le"}

# Voice, pause, voice: the narration the music tests speak over.
VOICE_SECONDS, PAUSE_SECONDS = 2.0, 2.0
VOICED_WINDOW = (1.0, 1.8)  # well inside the first burst
PAUSE_WINDOW = (3.0, 3.8)  # a second into the pause, clear of the next burst


def _tone(seconds: float, frequency: float, peak_db: float, rate: int = RATE) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return (10 ** (peak_db / 20) * np.sin(2 * np.pi * frequency * t)).astype(np.float32)


def _silence(seconds: float) -> np.ndarray:
    return np.zeros(round(seconds * RATE), dtype=np.float32)


def _mono(*parts: np.ndarray) -> Narration:
    return Narration(samples=np.concatenate(parts)[:, np.newaxis], sample_rate=RATE)


def _speech_with_a_pause() -> Narration:
    voice = _tone(VOICE_SECONDS, 300, -20)
    return _mono(voice, _silence(PAUSE_SECONDS), voice)


def _rms_db(samples: np.ndarray, window: tuple[float, float] | None = None) -> float:
    if window is not None:
        samples = samples[round(window[0] * RATE) : round(window[1] * RATE)]
    return float(10 * np.log10(np.mean(np.square(samples, dtype=np.float64)) + 1e-20))


def _peak_db(samples: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(samples).max()))


def _write_track(path: Path, seconds: float, frequency: float) -> Path:
    """A stereo tone at 48 kHz, encoded by the file's suffix."""
    rate = 48000
    tone = _tone(seconds, frequency, -6, rate)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream(ENCODERS[path.suffix], rate=rate)
        assert isinstance(stream, av.AudioStream)
        stream.layout = "stereo"
        frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = rate, 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def _voice_only() -> AudioMix:
    return AudioMix(loudness_target=TARGET, music_level=MUSIC_LEVEL)


def _with_music(folder: Path | None, key: str = "job") -> AudioMix:
    return AudioMix(
        loudness_target=TARGET,
        music_level=MUSIC_LEVEL,
        music=True,
        music_dir=folder,
        track_key=key,
    )


def _music_in(mixed: Narration, voice_alone: Narration) -> np.ndarray:
    """What the music added to the voice."""
    return mixed.samples - voice_alone.samples


def test_the_loudness_meter_reads_reference_tones_at_their_level() -> None:
    # Given EBU Tech 3341's first case (997 Hz at -23 dBFS in both channels, 48 kHz) and a
    # full-scale 997 Hz tone in one channel at 22.05 kHz, which BS.1770 reads as -3.01 LUFS
    reference = _tone(5, 997, -23, 48000)
    stereo = np.stack([reference, reference], axis=1)
    mono = _tone(5, 997, 0, 22050)[:, np.newaxis]

    # When they are measured, Then each reads its level within 0.1 LU
    assert integrated_loudness(stereo, 48000) == pytest.approx(-23.0, abs=0.1)
    assert integrated_loudness(mono, 22050) == pytest.approx(-3.01, abs=0.1)


def test_the_loudness_meter_leaves_out_silence_and_pauses() -> None:
    # Given a tone at -20 dBFS, then the same tone with silence and a far quieter passage
    tone = _tone(3, 997, -20)
    with_pauses = np.concatenate([tone, _silence(3), _tone(3, 997, -45)])

    # When both are measured
    alone = integrated_loudness(tone[:, np.newaxis], RATE)
    gated = integrated_loudness(with_pauses[:, np.newaxis], RATE)

    # Then the silence (absolute gate) and the quiet passage (relative gate) do not count,
    # which would have made it read nearly 5 LU lower; only the few blocks that straddle
    # the tone's end still do, as BS.1770 has it
    assert alone is not None
    assert gated == pytest.approx(alone, abs=0.5)


@pytest.mark.parametrize("peak_db", [-40.0, -3.0])
def test_narration_is_brought_to_the_target_loudness(peak_db: float) -> None:
    # Given a quiet and a loud narration: noise bursts between pauses
    noise = np.random.default_rng(7).normal(0, 0.25, RATE).astype(np.float32)
    noise *= 10 ** (peak_db / 20) / np.abs(noise).max()
    narration = _mono(noise, _silence(0.5), noise, _silence(0.5), noise)

    # When its soundtrack is made
    audio = soundtrack(narration, _voice_only())

    # Then it reads the target within 1 LU, keeps its length, and no peak passes -1 dBFS
    assert integrated_loudness(audio.samples, RATE) == pytest.approx(TARGET, abs=1.0)
    assert audio.samples.shape == narration.samples.shape
    assert _peak_db(audio.samples) <= -1.0 + 1e-3


def test_peaks_are_limited_without_costing_the_voice_its_loudness() -> None:
    # Given a quiet tone with full-scale clicks, which needs about 25 dB to reach the target
    samples = _tone(4, 300, -40)
    samples[RATE // 4 :: RATE // 2] = 0.9
    narration = _mono(samples)

    # When its soundtrack is made
    audio = soundtrack(narration, _voice_only())

    # Then no sample passes -1 dBFS, yet it still reaches the target
    assert _peak_db(audio.samples) <= -1.0 + 1e-3
    assert integrated_loudness(audio.samples, RATE) == pytest.approx(TARGET, abs=1.0)


@pytest.mark.parametrize("noise_rms", [0.0, 1e-4])
def test_silence_passes_through_unchanged(noise_rms: float) -> None:
    # Given digital silence, or noise at -80 dBFS: under the meter's absolute gate
    samples = np.random.default_rng(3).normal(0, noise_rms, 2 * RATE).astype(np.float32)
    narration = _mono(samples)

    # When its soundtrack is made, Then it is exactly what it was
    audio = soundtrack(narration, _voice_only())
    assert np.array_equal(audio.samples, narration.samples)


@pytest.mark.parametrize("channels", [1, 2])
def test_music_plays_under_the_voice_and_dips_while_it_speaks(
    tmp_path: Path, channels: int
) -> None:
    # Given a narration with a pause, and a music folder holding one stereo track
    voice = _speech_with_a_pause()
    narration = Narration(np.repeat(voice.samples, channels, axis=1), voice.sample_rate)
    _write_track(tmp_path / "music" / "calm.mp3", 8, 1000)

    # When the soundtrack is made with music and without
    with_music = soundtrack(narration, _with_music(tmp_path / "music"))
    voice_alone = soundtrack(narration, _voice_only())
    music = _music_in(with_music, voice_alone)

    # Then it keeps the narration's channels, and the pause holds the music about 20 dB
    # under the voice's loudness (which BS.1770 sums over the channels)
    assert with_music.samples.shape == narration.samples.shape
    assert _rms_db(voice_alone.samples, PAUSE_WINDOW) < -90
    music_level_per_channel = TARGET + MUSIC_LEVEL - 10 * np.log10(channels)
    assert _rms_db(with_music.samples, PAUSE_WINDOW) == pytest.approx(
        music_level_per_channel, abs=3
    )
    # And under the voice the music is about 10 dB lower still, far below the voice
    ducking = _rms_db(music, PAUSE_WINDOW) - _rms_db(music, VOICED_WINDOW)
    assert 7 <= ducking <= 12
    assert _rms_db(voice_alone.samples, VOICED_WINDOW) - _rms_db(music, VOICED_WINDOW) > 25
    assert _peak_db(with_music.samples) <= -1.0 + 1e-3


def test_a_short_track_loops_to_the_end_of_the_narration(tmp_path: Path) -> None:
    # Given a one-second track and eight seconds to fill (no voice, so no dips)
    _write_track(tmp_path / "music" / "short.m4a", 1, 1000)
    narration = _mono(_silence(8))

    # When the soundtrack is made with music
    audio = soundtrack(narration, _with_music(tmp_path / "music"))

    # Then every quarter second between the fades holds the music at one steady level
    levels = [_rms_db(audio.samples, (start, start + 0.25)) for start in np.arange(0.5, 5.75, 0.25)]
    assert max(levels) - min(levels) < 1.5
    assert min(levels) > TARGET + MUSIC_LEVEL - 5


def test_music_fades_in_and_out(tmp_path: Path) -> None:
    # Given a long track and six seconds with no voice
    _write_track(tmp_path / "music" / "long.opus", 10, 1000)
    narration = _mono(_silence(6))

    # When the soundtrack is made with music
    audio = soundtrack(narration, _with_music(tmp_path / "music"))

    # Then the first 50 ms and the last 100 ms are far quieter than the middle
    middle = _rms_db(audio.samples, (2.5, 3.5))
    assert _rms_db(audio.samples, (0.0, 0.05)) < middle - 15
    assert _rms_db(audio.samples, (5.9, 6.0)) < middle - 20


def test_music_is_off_unless_the_job_asks_for_it(tmp_path: Path) -> None:
    # Given a music folder with a track, and a job that does not ask for music
    _write_track(tmp_path / "music" / "calm.mp3", 8, 1000)
    narration = _speech_with_a_pause()

    # When the soundtrack is made
    audio = soundtrack(
        narration,
        AudioMix(loudness_target=TARGET, music_level=MUSIC_LEVEL, music_dir=tmp_path / "music"),
    )

    # Then the pause is silent, as with no folder at all
    assert np.array_equal(audio.samples, soundtrack(narration, _voice_only()).samples)
    assert _rms_db(audio.samples, PAUSE_WINDOW) < -90


@pytest.mark.parametrize(
    ("folder_files", "warning"),
    [
        ({}, "holds no audio files"),
        ({"broken.mp3": b"ID3" + b"\xff\xfb\x00" * 200}, "broken.mp3"),
        ({"empty.wav": b""}, "empty.wav"),
        ({"notes.txt": b"just text"}, "holds no audio files"),
    ],
)
def test_no_usable_music_means_the_voice_alone_with_a_warning(
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    folder_files: dict[str, bytes],
    warning: str,
) -> None:
    # Given a music folder with nothing in it that decodes to audio
    folder = tmp_path / "music"
    folder.mkdir()
    for name, content in folder_files.items():
        (folder / name).write_bytes(content)
    narration = _speech_with_a_pause()

    # When the soundtrack is made with music
    with caplog.at_level(logging.WARNING):
        audio = soundtrack(narration, _with_music(folder))

    # Then it is the voice alone, and a warning says why
    assert np.array_equal(audio.samples, soundtrack(narration, _voice_only()).samples)
    assert warning in caplog.text


def test_music_asked_for_without_a_folder_is_left_out_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Given a job that asks for music where no music folder is set
    narration = _speech_with_a_pause()

    # When the soundtrack is made, Then it is the voice alone, with a warning
    with caplog.at_level(logging.WARNING):
        audio = soundtrack(narration, _with_music(None))
    assert np.array_equal(audio.samples, soundtrack(narration, _voice_only()).samples)
    assert "no music folder" in caplog.text


def test_an_unreadable_track_is_passed_over_for_a_good_one(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Given a folder with a corrupt file beside a good track
    folder = tmp_path / "music"
    _write_track(folder / "good.wav", 8, 1000)
    (folder / "bad.mp3").write_bytes(b"\x00" * 4000)
    narration = _speech_with_a_pause()

    # When jobs whose keys would pick either file make their soundtracks
    with caplog.at_level(logging.WARNING):
        pauses = [
            _rms_db(
                soundtrack(narration, _with_music(folder, key)).samples,
                PAUSE_WINDOW,
            )
            for key in ("job-1", "job-2", "job-3", "job-4")
        ]

    # Then every one has music, and the bad file is named in a warning
    assert min(pauses) > TARGET + MUSIC_LEVEL - 5
    assert "bad.mp3" in caplog.text


def test_a_job_always_gets_the_same_track_and_jobs_share_the_folder(tmp_path: Path) -> None:
    # Given a folder with two tracks told apart by their pitch
    folder = tmp_path / "music"
    _write_track(folder / "low.wav", 2, 250)
    _write_track(folder / "high.wav", 2, 2000)
    narration = _mono(_silence(2))

    def pitch_for(key: str) -> float:
        music = soundtrack(narration, _with_music(folder, key)).samples[:, 0]
        return float(np.fft.rfftfreq(len(music), 1 / RATE)[np.abs(np.fft.rfft(music)).argmax()])

    # When several jobs make their soundtracks twice
    keys = [f"job-{index}" for index in range(8)]
    first, second = [pitch_for(key) for key in keys], [pitch_for(key) for key in keys]

    # Then each job hears the same track both times, and both tracks are heard
    assert first == second
    assert {round(pitch) for pitch in first} == {250, 2000}


def test_a_render_with_music_has_aac_as_long_as_the_narration(
    settings: Settings, tmp_path: Path
) -> None:
    # Given a two-second job that asks for music, with a pause in its narration
    paths = JobPaths(settings.data_dir, "m1")
    voice = _tone(0.6, 300, -20)
    _write_wav(paths.audio, np.concatenate([voice, _silence(0.8), voice]))
    save_document(Captions(duration=2.0, words=[], groups=[]), paths.captions)
    clip = paths.footage_dir / "clip_000.mp4"
    clip.parent.mkdir(parents=True)
    write_generated_clip(clip, seed=1, seconds=2.0, width=64, height=112, fps=12)
    manifest = FootageClip(start=0, end=2, path=paths.relative(clip), source="generated", term="a")
    save_document(FootageManifest(clips=[manifest]), paths.footage_manifest)
    _write_track(tmp_path / "music" / "calm.mp3", 4, 1000)
    job = StageMessage(
        job_id="m1",
        text="a story",
        options=JobOptions(width=64, height=112, fps=12, music=True),
        artifacts={
            "audio": paths.relative(paths.audio),
            "captions": paths.relative(paths.captions),
            "footage": paths.relative(paths.footage_manifest),
        },
    )
    stage = RenderStage(RenderSettings(data_dir=settings.data_dir, music_dir=tmp_path / "music"))

    # When the stage renders it
    stage.run(job, paths, lambda note: None)

    # Then the MP4 has AAC audio as long as the narration, with music in the pause
    facts = probe(paths.video)
    assert facts.audio_codec == "aac"
    assert abs(facts.duration - 2.0) <= 0.1
    with av.open(str(paths.video)) as container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        decoded = np.concatenate(
            [
                resampled.to_ndarray().ravel()
                for frame in container.decode(audio=0)
                for resampled in resampler.resample(frame)
            ]
        )
    assert _rms_db(decoded, (0.8, 1.2)) > TARGET + MUSIC_LEVEL - 10


def _write_wav(path: Path, samples: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes((samples * 32767).astype("<i2").tobytes())
