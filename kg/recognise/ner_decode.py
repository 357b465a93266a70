"""Linear-chain CRF inference over a padded batch: Viterbi path, per-character marginals, BIO spans.

Written in numpy so a whole batch of sentences advances one position per step; python-crfsuite's
tagger would need its string features rebuilt per character, which costs more than the tagging.
The model has no start/stop weights, as in CRFsuite, so paths match its tagger exactly.
"""

from __future__ import annotations

import numpy as np

GATHER_ABOVE = 32  # live rows above which Viterbi gathers the best score instead of reducing twice
RESCALE_EVERY = 4  # forward-backward steps between rescalings


def viterbi(emissions: np.ndarray, transitions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Best tag per position for emissions (batch × time × tags); padding positions repeat the last tag.

    Rows are sorted by length so each step touches only sentences still running. Candidates are
    laid out (row, next tag, previous tag) so both reductions run over contiguous memory; each
    step is a handful of numpy calls whatever the batch, so a short text costs a few microseconds
    per character. Large batches gather the best predecessor's score (cheaper than a second
    reduction), small ones take the max (cheaper than building the gather's index).
    """
    batch, steps, tags = emissions.shape
    if batch == 1:
        return _viterbi_one(emissions[0, :int(lengths[0])], transitions, steps)[None]
    order = np.argsort(lengths, kind="stable")
    emissions, lengths = emissions[order], lengths[order]
    incoming = np.ascontiguousarray(transitions.T)  # [next, previous]
    score = emissions[:, 0].copy()
    back = np.empty((batch, steps, tags), dtype=np.int16)
    back[:, 0] = np.arange(tags)
    columns = np.arange(tags)
    firsts = np.searchsorted(lengths, np.arange(steps), side="right").tolist()
    for t in range(1, steps):
        first = firsts[t]
        live = score[first:]
        candidates = live[:, None, :] + incoming
        best = candidates.argmax(axis=2)
        back[first:, t] = best
        if batch - first > GATHER_ABOVE:
            score[first:] = np.take_along_axis(live, best, axis=1) + transitions[best, columns] + emissions[first:, t]
        else:
            score[first:] = candidates.max(axis=2) + emissions[first:, t]
        if first:
            back[:first, t] = columns
    path = np.empty((batch, steps), dtype=np.int64)
    path[:, -1] = score.argmax(axis=1)
    rows = np.arange(batch)
    for t in range(steps - 1, 0, -1):
        path[:, t - 1] = back[rows, t, path[:, t]]
    unsorted = np.empty_like(path)
    unsorted[order] = path
    return unsorted


def _viterbi_one(emissions: np.ndarray, transitions: np.ndarray, steps: int) -> np.ndarray:
    """Viterbi of one sentence (time × tags), padded to `steps` by repeating the last tag."""
    length, tags = emissions.shape
    incoming = np.ascontiguousarray(transitions.T)
    columns = np.arange(tags)
    score = emissions[0].copy()
    back = np.empty((length, tags), dtype=np.intp)
    for t in range(1, length):
        candidates = incoming + score
        best = candidates.argmax(axis=1)
        back[t] = best
        score = candidates[columns, best] + emissions[t]
    path = np.empty(steps, dtype=np.int64)
    tag = int(score.argmax())
    path[length - 1:] = tag
    back_rows = back.tolist()
    for t in range(length - 1, 0, -1):
        tag = back_rows[t][tag]
        path[t - 1] = tag
    return path


def marginals(emissions: np.ndarray, transitions: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """P(tag at t | sentence) by scaled forward-backward; each step is one small matrix product.

    Every position's marginal is normalised on its own, so the running products need rescaling
    only to stay inside float64's range, every RESCALE_EVERY steps (emissions and transitions
    enter as exp(x - max) <= 1). Rows are sorted by length so that the backward pass of step t
    touches only the sentences longer than t + 1, a suffix of the batch.
    """
    batch, steps, tags = emissions.shape
    if batch == 1:
        return _marginals_one(emissions[0], transitions, int(lengths[0]))[None]
    order = np.argsort(lengths, kind="stable")
    emissions, lengths = emissions[order], lengths[order]
    local = np.exp(emissions - emissions.max(axis=2, keepdims=True), dtype=np.float64)
    move = np.exp(transitions - transitions.max(), dtype=np.float64)
    move_t = np.ascontiguousarray(move.T)
    forward = np.empty((batch, steps, tags))
    forward[:, 0] = local[:, 0]
    for t in range(1, steps):
        step = (forward[:, t - 1] @ move) * local[:, t]  # (row, previous) @ [previous, next]
        if t % RESCALE_EVERY == 0:
            step /= step.sum(axis=1, keepdims=True)
        forward[:, t] = step
    backward = np.ones((batch, steps, tags))
    firsts = np.searchsorted(lengths, np.arange(steps) + 1, side="right").tolist()
    for t in range(steps - 2, -1, -1):
        first = firsts[t]
        step = (backward[first:, t + 1] * local[first:, t + 1]) @ move_t
        if t % RESCALE_EVERY == 0:
            step /= step.sum(axis=1, keepdims=True)
        backward[first:, t] = step
    joint = forward * backward
    joint /= joint.sum(axis=2, keepdims=True)
    unsorted = np.empty_like(joint)
    unsorted[order] = joint
    return unsorted


def _marginals_one(emissions: np.ndarray, transitions: np.ndarray, length: int) -> np.ndarray:
    """`marginals` of one sentence (time × tags) with 1-D steps; positions past `length` get 1/tags."""
    steps, tags = emissions.shape
    local = np.exp(emissions[:length] - emissions[:length].max(axis=1, keepdims=True), dtype=np.float64)
    move = np.exp(transitions - transitions.max(), dtype=np.float64)
    move_t = np.ascontiguousarray(move.T)
    joint = np.full((steps, tags), 1.0 / tags)
    forward = np.empty((length, tags))
    forward[0] = current = local[0]
    for t in range(1, length):
        current = move_t.dot(current) * local[t]
        if t % RESCALE_EVERY == 0:
            current = current / current.sum()
        forward[t] = current
    backward = np.ones((length, tags))
    current = backward[-1]
    for t in range(length - 2, -1, -1):
        current = move.dot(current * local[t + 1])
        if t % RESCALE_EVERY == 0:
            current = current / current.sum()
        backward[t] = current
    product = forward * backward
    joint[:length] = product / product.sum(axis=1, keepdims=True)
    return joint


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
