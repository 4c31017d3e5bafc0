"""A gr.Audio as (sample rate, numpy samples) in, the samples reversed out as a WAV file."""

import wave

import numpy as np
from harness import ASSETS, Call, Upload

import streamcore as gr


def reverse(audio):
    rate, samples = audio
    return rate, samples[::-1]


def samples(path):
    with wave.open(str(path)) as wav:
        return wav.getframerate(), np.frombuffer(wav.readframes(wav.getnframes()), np.int16)


def reversed_tone(path):
    rate, got = samples(path)
    _, sent = samples(ASSETS / "tone.wav")
    return rate == 8000 and np.array_equal(got, sent[::-1])


demo = gr.Interface(reverse, gr.Audio(type="numpy"), gr.Audio(label="Reversed"))

CALLS = [Call("/reverse", [Upload("tone.wav")], check=reversed_tone)]

if __name__ == "__main__":
    demo.launch()
