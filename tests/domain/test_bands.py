"""The pace bands' names, the one place tables, documents and charts take them from."""

from __future__ import annotations

import math

from lib.domain import vocabulary
from lib.figures import rankings


def test_band_names_in_each_form():
    assert vocabulary.band_label("ahead") == "快于序时"
    assert vocabulary.band_label("watch") == "略慢于序时"
    assert vocabulary.band_label("behind") == "明显滞后"
    assert vocabulary.band_label("ahead", "zh_short") == "领先"
    assert vocabulary.band_label("behind", "zh_short") == "滞后"
    assert vocabulary.band_label("watch", "en") == "slightly behind"


def test_no_band_is_a_dash():
    assert vocabulary.band_label(None) == "—"
    assert vocabulary.band_label(math.nan) == "—"


def test_rankings_order_is_the_vocabulary_order():
    assert rankings.BAND_ORDER == ("ahead", "watch", "behind")
    assert rankings.DEFAULT_BANDS.classify(0.5, 0.4) == "ahead"
