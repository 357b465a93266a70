"""Names a sentence compares with (与X相比, 与X形成鲜明对比的是Y, 高于X, 较X) or cites as its source
(X讯, 据X报道, 记者X). Such a name is not the subject of the figures around it, nor the topic of its
paragraph."""

from __future__ import annotations

import re

from ..grammar import Grammar
from ..model import Mention

TAIL_WINDOW = 8  # 与X去年同期相比: how far after the name the comparison may close


class Comparisons:
    def __init__(self, grammar: Grammar):
        self.leads = grammar.words("comparison_lead")
        self.pairs = grammar.words("comparison_pair")
        self.tails = grammar.words("comparison_tail")
        self.source_markers = grammar.words("source_marker")
        self.source_leads = grammar.words("source_lead")
        alternatives = lambda group: "|".join(map(re.escape, grammar.words(group)))  # noqa: E731
        self.dateline = re.compile(rf"(?:\d{{1,2}}(?:{alternatives('month_word')}))?\d{{1,2}}(?:{alternatives('day_word')})"
                                   rf"(?:{alternatives('dateline_marker')})")  # 财联社11月3日电

    def compared(self, text: str, mention: Mention, clause_end: int | None = None) -> bool:
        """Is this mention what something is compared with, or who reports it?"""
        before = text[max(0, mention.start - 4):mention.start]
        if before.endswith(self.leads) or before.endswith(self.source_leads) \
                or text.startswith(self.source_markers, mention.end) or self.dateline.match(text, mention.end):
            return True
        if not before.endswith(self.pairs):
            return False
        after = text[mention.end:min(mention.end + TAIL_WINDOW, clause_end or len(text))]
        return any(tail in after for tail in self.tails)
