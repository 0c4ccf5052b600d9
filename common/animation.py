"""Soft colour blobs drifting over a slowly turning two-colour gradient, with faint stripes.

A seed chooses the palette and every path, so neighbouring segments look different while
one segment's background comes out the same on every run. The footage stage encodes it
into clips for tests and old jobs; the render draws it directly at the size it needs.
"""

import colorsys
import hashlib
import math
from dataclasses import dataclass

import numpy as np

BLOB_COUNT = 4


def clip_seed(term: str, index: int) -> int:
    """A segment's seed from its first term and its index, stable across processes (unlike
    Python's ``hash`` of a string): the footage stage's, and the render's stand-in for a
    clip that did not arrive in time."""
    digest = hashlib.sha256(f"{index}:{term}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Animation:
    """Frames of one seeded animation, as uint8 RGB arrays of shape (height, width, 3)."""

    def __init__(self, seed: int, width: int, height: int) -> None:
        rng = np.random.default_rng(seed)
        short_side = min(width, height)
        # Coordinates in units of the short side, so blobs stay round at any aspect ratio.
        self._x = np.arange(width, dtype=np.float32) / short_side
        self._y = np.arange(height, dtype=np.float32) / short_side
        extent = (width / short_side, height / short_side)
        hue = float(rng.random())
        self._dark = _colour(hue, 0.65, 0.30)
        self._light = _colour(hue + rng.uniform(0.08, 0.2), 0.7, 0.62)
        self._gradient_angle = rng.uniform(0, 2 * math.pi)
        self._gradient_turn = rng.choice([-1, 1]) * rng.uniform(0.15, 0.35)  # radians a second
        self._blobs = [_Blob.random(rng, hue, extent) for _ in range(BLOB_COUNT)]
        self._stripe_angle = rng.uniform(0, math.pi)
        self._stripe_frequency = rng.uniform(2.0, 4.0)  # stripes per short side
        self._stripe_speed = rng.uniform(0.6, 1.4)  # radians of phase a second

    def frame_at(self, seconds: float) -> np.ndarray:
        # Planar (3, height, width) while drawing: numpy is slow on a trailing axis of 3.
        planes = self._gradient(seconds)
        for blob in self._blobs:
            blob.paint(planes, self._x, self._y, seconds)
        planes *= self._stripes(seconds)
        pixels = (np.clip(planes, 0.0, 1.0) * 255).astype(np.uint8)
        return np.ascontiguousarray(pixels.transpose(1, 2, 0))

    def _gradient(self, seconds: float) -> np.ndarray:
        along = self._along(self._gradient_angle + self._gradient_turn * seconds)
        along -= along.min()
        along /= max(float(along.max()), 1e-6)
        return np.stack(
            [
                dark + (light - dark) * along
                for dark, light in zip(self._dark, self._light, strict=True)
            ]
        )

    def _stripes(self, seconds: float) -> np.ndarray:
        phase = self._along(self._stripe_angle) * (2 * math.pi * self._stripe_frequency)
        return 1.0 + 0.07 * np.sin(phase - self._stripe_speed * seconds, dtype=np.float32)

    def _along(self, angle: float) -> np.ndarray:
        """Each pixel's distance along the direction ``angle``."""
        return self._y[:, None] * np.float32(math.sin(angle)) + self._x[None, :] * np.float32(
            math.cos(angle)
        )


@dataclass(frozen=True)
class _Blob:
    """A soft disc of colour moving along a Lissajous path."""

    colour: tuple[float, float, float]
    radius: float
    strength: float
    centre: tuple[float, float]
    amplitude: tuple[float, float]
    angular_speed: tuple[float, float]
    phase: tuple[float, float]

    @classmethod
    def random(cls, rng: np.random.Generator, hue: float, extent: tuple[float, float]) -> "_Blob":
        def uniform(low: float, high: float) -> float:
            return float(rng.uniform(low, high))

        return cls(
            colour=_colour(hue + uniform(-0.25, 0.35), uniform(0.45, 0.9), 0.95),
            radius=uniform(0.25, 0.5),
            strength=uniform(0.5, 0.85),
            centre=(uniform(0.2, 0.8) * extent[0], uniform(0.2, 0.8) * extent[1]),
            amplitude=(uniform(0.15, 0.35) * extent[0], uniform(0.15, 0.35) * extent[1]),
            # Periods of 5 to 12 seconds: visible drift, never a flicker.
            angular_speed=(2 * math.pi / uniform(5, 12), 2 * math.pi / uniform(5, 12)),
            phase=(uniform(0, 2 * math.pi), uniform(0, 2 * math.pi)),
        )

    def paint(self, planes: np.ndarray, x: np.ndarray, y: np.ndarray, seconds: float) -> None:
        centre_x, centre_y = (
            centre + amplitude * math.sin(speed * seconds + phase)
            for centre, amplitude, speed, phase in zip(
                self.centre, self.amplitude, self.angular_speed, self.phase, strict=True
            )
        )
        # A Gaussian is separable: two 1-D profiles and an outer product, not a 2-D exp.
        weight = np.outer(
            np.exp(-(((y - centre_y) / self.radius) ** 2)),
            np.exp(-(((x - centre_x) / self.radius) ** 2)) * self.strength,
        )
        keep = 1.0 - weight
        for plane, value in zip(planes, self.colour, strict=True):
            plane *= keep
            plane += weight * value


def _colour(hue: float, saturation: float, value: float) -> tuple[float, float, float]:
    return colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
