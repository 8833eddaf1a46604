"""The shipped gazetteer and address parsing."""

from __future__ import annotations

import pytest

from gawah.linkage import resolve_place
from gawah.linkage.gazetteer import district_names, lookup


class TestGazetteer:
    @pytest.mark.parametrize(
        ("text", "district"),
        [
            ("Rawalpindi", "Rawalpindi"),
            ("Rwp", "Rawalpindi"),
            ("Pindi", "Rawalpindi"),
            ("راولپنڈی", "Rawalpindi"),
            ("D.I. Khan", "Dera Ismail Khan"),
            ("Dera Ismail Khan", "Dera Ismail Khan"),
            ("Abbotabad", "Abbottabad"),
            ("Distt. Lyallpur", "Faisalabad"),
        ],
    )
    def test_spellings_resolve(self, text: str, district: str) -> None:
        """Spellings, abbreviations, old names and Urdu resolve to the district."""
        entry = lookup(text)
        assert entry is not None
        assert entry.district == district

    def test_every_province_has_districts(self) -> None:
        """The table covers the whole country, not one province."""
        assert len(district_names()) > 140

    def test_village_and_district_split(self) -> None:
        """'Banda Daud Shah, Karak' gives a village and a district."""
        place = resolve_place("Banda Daud Shah, Karak")
        assert place.village == "banda daud shah"
        assert place.district == "Karak"

    def test_named_district_decides_ambiguous_tehsil(self) -> None:
        """A locality shared by two districts is read in the district the address names."""
        assert resolve_place("Mohalla Qasimabad, Pindi").district == "Rawalpindi"

    def test_columns_win(self) -> None:
        """Explicit columns are used, normalised through the gazetteer."""
        place = resolve_place(None, district="Rwp", village="Dhok Hassu")
        assert (place.district, place.village) == ("Rawalpindi", "dhok hassu")

    def test_ambiguous_district_prefix_is_unknown(self) -> None:
        """ "Dera" alone (D.I. Khan, D.G. Khan or Dera Bugti) is unknown, an unknown single name is kept."""
        assert resolve_place(district="Dera").district is None
        assert resolve_place(district="Chak Jhumra Town").district is not None

    def test_incident_place_is_not_a_village(self) -> None:
        """The incident place ("Qaumi Chowk") may give the district, never the home village."""
        place = resolve_place(place="Qaumi Chowk, Rawalpindi")
        assert (place.village, place.district) == (None, "Rawalpindi")
        assert resolve_place("Banda Daud Shah, Karak").village == "banda daud shah"
