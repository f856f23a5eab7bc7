"""Reproducible synthetic data: a client population, a Kanta extract, separate deliveries with
injected errors, and the truth they should give (``generate``)."""

from sosdata.synth.generate import Options, SynthError, generate
from sosdata.synth.scales import SCALES

__all__ = ["SCALES", "Options", "SynthError", "generate"]
