"""Linear-chain CRF inference over a padded batch: Viterbi path, per-character marginals, BIO spans.

Written in numpy so a whole batch of sentences advances one position per step; python-crfsuite's
tagger would need its string features rebuilt per character, which costs more than the tagging.
The model has no start/stop weights, as in CRFsuite, so paths match its tagger exactly.
"""

from __future__ import annotations

import numpy as np


def viterbi(emissions: np.ndarray, transitions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Best tag per position for emissions (batch × time × tags); padding positions repeat the last tag.

    Rows are sorted by length so each step touches only sentences still running; the best
    predecessor's score is gathered rather than reduced a second time.
    """
    batch, steps, tags = emissions.shape
    order = np.argsort(lengths, kind="stable")
    emissions, lengths = emissions[order], lengths[order]
    score = emissions[:, 0].copy()
    back = np.empty((batch, steps, tags), dtype=np.int16)
    back[:] = np.arange(tags)
    columns = np.arange(tags)
    for t in range(1, steps):
        first = int(np.searchsorted(lengths, t, side="right"))
        live = score[first:]
        best = (live[:, :, None] + transitions).argmax(axis=1)
        back[first:, t] = best
        score[first:] = np.take_along_axis(live, best, axis=1) + transitions[best, columns] + emissions[first:, t]
    path = np.empty((batch, steps), dtype=np.int64)
    path[:, -1] = score.argmax(axis=1)
    rows = np.arange(batch)
    for t in range(steps - 1, 0, -1):
        path[:, t - 1] = back[rows, t, path[:, t]]
    unsorted = np.empty_like(path)
    unsorted[order] = path
    return unsorted


def marginals(emissions: np.ndarray, transitions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """P(tag at t | sentence) by scaled forward-backward; each step is one small matrix product."""
    batch, steps, tags = emissions.shape
    local = np.exp(emissions - emissions.max(axis=2, keepdims=True))
    move = np.exp(transitions - transitions.max())
    forward = np.empty((batch, steps, tags))
    forward[:, 0] = local[:, 0] / local[:, 0].sum(axis=1, keepdims=True)
    for t in range(1, steps):
        step = (forward[:, t - 1] @ move) * local[:, t]
        forward[:, t] = step / step.sum(axis=1, keepdims=True)
    backward = np.ones((batch, steps, tags))
    for t in range(steps - 2, -1, -1):
        step = (backward[:, t + 1] * local[:, t + 1]) @ move.T
        step = step / step.sum(axis=1, keepdims=True)
        backward[:, t] = np.where((t + 1 < lengths)[:, None], step, 1.0)
    joint = forward * backward
    return joint / joint.sum(axis=2, keepdims=True)


def bio_spans(path: np.ndarray, confidence: np.ndarray, lengths: np.ndarray, labels: list[str]
              ) -> list[list[tuple[int, int, str, float]]]:
    """Per sentence, spans (start, end exclusive, label, mean marginal) from padded tag ids.

    Tag 0 is O, tag 2k+1 is B-label[k], 2k+2 is I-label[k]; an I- without its B- opens a span,
    as conlleval reads it. Vectorised over the batch: one extra O column ends every last span.
    """
    batch, steps = path.shape
    tags = np.zeros((batch, steps + 1), dtype=np.int64)
    tags[:, :steps] = np.where(np.arange(steps) < lengths[:, None], path, 0)
    kind = np.where(tags > 0, (tags - 1) // 2, -1)
    before = np.full_like(kind, -1)
    before[:, 1:] = kind[:, :-1]
    continues = ((tags > 0) & (tags % 2 == 0) & (kind == before)).ravel()
    starts = np.flatnonzero((tags.ravel() > 0) & ~continues)
    stops = np.flatnonzero(~continues)
    ends = stops[np.searchsorted(stops, starts, side="right")]
    sums = np.zeros(batch * (steps + 1) + 1)
    padded = np.zeros((batch, steps + 1))
    padded[:, :steps] = confidence
    np.cumsum(padded.ravel(), out=sums[1:])
    means = (sums[ends] - sums[starts]) / (ends - starts)
    found: list[list[tuple[int, int, str, float]]] = [[] for _ in range(batch)]
    kinds = kind.ravel()
    for start, end, mean in zip(starts.tolist(), ends.tolist(), means.tolist()):
        row, column = divmod(start, steps + 1)
        found[row].append((column, column + end - start, labels[kinds[start]], mean))
    return found
