"""Shared data shaping: behaviour the chapters and the README headline rely on."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import REAL_DATA

from dilemma import analysis as an
from dilemma.data import load_all


@pytest.fixture(scope="module")
def tables():
    return load_all(REAL_DATA)


@pytest.mark.parametrize(("low", "best", "high", "text"), [
    (40, 83, 100, "83 (40 to 100)"), (None, None, 400, "up to 400"), (200, None, None, "at least 200"),
    (4378, None, 7500, "4,378 to 7,500"), (None, 9.2, None, "9.2"), (None, None, None, "unknown"), (5, 5, 5, "5"),
    (3, 4, None, "4 (low 3)"), (None, 4, 9, "4 (high 9)"),
])
def test_fmt_range(low, best, high, text):
    assert an.fmt_range(low, best, high) == text


def test_escalation_steps_never_go_backwards(tables):
    events = an.case_events(tables["events"], "venezuela", since="2025-01-01")
    steps = an.first_steps(events, "us")
    assert steps["date"].is_monotonic_increasing
    us = events[events["actor"] == "us"]
    for step in steps.itertuples():
        assert step.date == us.loc[us["escalation_level"] >= step.escalation_level, "date"].min()


def test_no_day_gap_is_counted_from_a_date_known_only_to_the_month():
    def steps(precisions):
        events = pd.DataFrame({
            "actor": "us", "escalation_level": [1, 2, 3], "event_id": ["a", "b", "c"], "title": ["a", "b", "c"],
            "claim_status": "confirmed", "date": pd.to_datetime(["2025-01-05", "2025-03-01", "2025-03-20"]),
            "date_precision": precisions})
        return an.first_steps(events)["days_since_previous_step"].tolist()

    assert steps(["day", "day", "day"])[1:] == [55, 19]
    assert all(pd.isna(gap) for gap in steps(["day", "month", "day"]))


def test_most_concrete_ranks_certainty_first_then_concreteness():
    events = pd.DataFrame({
        "date": pd.to_datetime(["2025-01-01", "2025-02-01", "2025-03-01"]),
        "category": ["military_deployment", "agreement", "arms_support"],
        "claim_status": ["claimed", "reported", "reported"], "title": ["a", "b", "c"]})
    assert an.most_concrete(events)["title"] == "c"  # among reported deeds, arms before paper; the claim comes last
    strike = pd.DataFrame({"date": pd.to_datetime(["2025-04-01"]), "category": ["strike"], "claim_status": ["reported"],
                           "title": ["air strikes"]})
    assert an.most_concrete(pd.concat([events, strike]))["title"] == "air strikes"
    flag = pd.DataFrame({"date": pd.to_datetime(["2025-05-01"]), "category": ["other"], "claim_status": ["confirmed"],
                         "title": ["flag"]})
    assert an.most_concrete(pd.concat([events, strike, flag]))["title"] == "flag"  # confirmed beats a single outlet


def test_a_withdrawal_is_a_deed_but_neither_sends_forces_nor_outranks_a_commitment():
    events = pd.DataFrame({
        "date": pd.to_datetime(["2019-03-01", "2019-06-26", "2019-07-01"]), "title": ["fly in", "fly home", "treaty"],
        "category": ["military_deployment", "military_withdrawal", "agreement"], "claim_status": "confirmed"})
    events["kind"] = an.words_or_deeds(events["category"])
    mix = an._mix(events)
    assert (mix["deeds"], mix["force_deeds"]) == (3, 1)
    assert an.most_concrete(events.iloc[1:])["title"] == "treaty"  # paper outranks a pull-out


def test_responses_within_places_no_month_dated_response_and_names_a_step_without_milestone():
    triggers = pd.DataFrame({"date": pd.to_datetime(["2025-10-01", "2025-10-20"]), "date_precision": "day",
                             "milestone": ["Carrier ordered", None], "title": ["carrier", "Tanker seized"]})
    responses = pd.DataFrame({
        "date": pd.to_datetime(["2025-10-01", "2025-10-03", "2025-10-25"]), "date_precision": ["month", "day", "day"],
        "event_id": ["m", "a", "b"], "title": ["some day in October", "call", "flight"], "category": "statement",
        "claim_status": "confirmed", "kind": "words"})
    rows = an.responses_within(triggers, responses, days=14)
    assert rows["turning_point"].tolist() == ["Carrier ordered", "Tanker seized"]
    # the October row could fall in either window or in neither: it is counted in none (by its 1st it would join the first)
    assert rows["event_ids"].tolist() == [("a",), ("b",)]


def test_newest_strike_never_invents_a_day_and_prefers_the_surest_of_a_date():
    strikes = pd.DataFrame({"date": pd.to_datetime(["2026-03-01", "2026-06-21", "2026-06-21"]),
                            "date_precision": ["month", "day", "day"], "confidence": ["high", "high", "low"]})
    assert an.newest_strike(strikes) == "21 June 2026"  # a confirmed strike that day: whatever the row order
    assert an.newest_strike(strikes.iloc[::-1]) == "21 June 2026"
    assert an.newest_strike(strikes.iloc[[0, 2]]) == "21 June 2026 (low confidence; newest high-confidence strike: March 2026)"


def test_reconcile_leaves_out_partial_tallies():
    strikes = pd.DataFrame({"kind": "vessel_strike", "strike_id": "a", "date": pd.to_datetime(["2025-09-02"]),
                            "date_precision": "day",
                            "announced_date": pd.NaT, "strikes_counted": 1, "vessels": 1, "killed_best": 11,
                            "survivors_presumed_dead": 0})
    estimates = pd.DataFrame({"estimate_id": ["all", "troops"], "subject": "vessel_strike_campaign",
                              "as_of": pd.to_datetime(["2025-09-03"] * 2), "as_of_precision": "day",
                              "publisher": "x", "killed_best": [11, 3], "strikes": 1, "includes_presumed_dead": "",
                              "scope": ["all", "military_only"]})
    assert an.reconcile(strikes, estimates)["estimate_id"].tolist() == ["all"]  # 3 soldiers are not a count of all 11


def test_established_deeds_leave_out_claims_and_pull_outs_and_the_mix_names_them():
    deeds = pd.DataFrame({"category": ["strike", "military_withdrawal", "arms_support", "military_withdrawal", "agreement"],
                          "claim_status": ["confirmed", "reported", "claimed", "claimed", "reported"],
                          "title": ["strikes", "ships leave", "rumoured arms", "rumoured pull-out", "treaty"]})
    assert an.established_deeds(deeds)["title"].tolist() == ["strikes", "treaty"]
    assert an.by_category(pd.concat([deeds, deeds.iloc[[0]]])) == "strike 2, military withdrawal 2, arms support 1, agreement 1"
    assert an.deed_mix(deeds) == " (2 only claimed or denied, 1 pull-out)"  # a claimed pull-out counts once, as a claim
    assert an.deed_mix(deeds.iloc[[0, 4]]) == ""


def test_coverage_ages_a_month_dated_row_from_the_months_end(tables):
    as_of = pd.Timestamp("2026-11-27")
    estimates = tables["casualty_estimates"].copy()
    newest = estimates["as_of"].idxmax()
    estimates.loc[newest, ["as_of", "as_of_precision"]] = [pd.Timestamp("2026-10-01"), "month"]
    row = an.coverage({**tables, "casualty_estimates": estimates}, as_of).loc["casualty_estimates"]
    assert (row["last"], row["last_precision"], row["days_last_to_as_of"]) == (pd.Timestamp("2026-10-01"), "month", 27)
    estimates.loc[newest, "as_of_precision"] = "day"
    assert an.coverage({**tables, "casualty_estimates": estimates}, as_of).loc["casualty_estimates", "days_last_to_as_of"] == 57


def test_coverage_never_dates_a_month_dated_strike_after_its_announcement(tables):
    strikes = tables["strikes"].head(2).copy()
    strikes["date"] = pd.to_datetime(["2026-06-01", "2026-06-21"])
    strikes["date_precision"] = ["month", "day"]
    strikes["announced_date"] = pd.to_datetime(["2026-06-18", "2026-06-21"])
    row = an.coverage({**tables, "strikes": strikes}, pd.Timestamp("2026-11-27")).loc["strikes"]
    assert (row["last"], row["last_precision"], row["days_last_to_as_of"]) == (pd.Timestamp("2026-06-21"), "day", 159)
    strikes.loc[strikes.index[0], "announced_date"] = pd.NaT  # never announced: it may be as late as 30 June
    assert an.coverage({**tables, "strikes": strikes}, pd.Timestamp("2026-11-27")).loc["strikes", "days_last_to_as_of"] == 150


def test_low_confidence_note_counts_only_what_rests_on_weak_records():
    vs = pd.DataFrame({"confidence": ["high", "low", "low"], "strikes_counted": [1, 1, 2], "killed_best": [3, 2, 4],
                       "survivors": pd.array([2, 0, 3], dtype="Int64"),
                       "survivors_rescued": pd.array([2, None, 1], dtype="Int64"),
                       "survivors_presumed_dead": pd.array([0, None, None], dtype="Int64"),
                       "survivors_killed": pd.array([0, None, None], dtype="Int64")})
    note = an.low_confidence_note(vs)
    assert "3 strikes, 6 deaths and 3 survivors" in note
    assert "including 2 of the 2 survivors whose fate was not reported" in note
    assert an.low_confidence_note(vs[vs["confidence"] == "high"]) == ""


def test_plural():
    assert [an.plural(1, "strike"), an.plural(3, "strike"), an.plural(0, "word"), an.plural(2, "is", "are")] == [
        "1 strike", "3 strikes", "0 words", "2 are"]


@pytest.mark.parametrize(("share", "word"), [(1.0, "all"), (0.51, "most"), (0.5, "half"), (0.49, "a minority"),
                                           (0.0, "none")])
def test_how_many_names_the_share(share, word):
    assert an.how_many(share) == word


def test_window_mix_names_each_windows_most_concrete_deed():
    events = pd.DataFrame({
        "event_id": ["a", "b", "c", "d", "e"], "case": "venezuela", "actor": ["russia"] * 4 + ["us"],
        "date": pd.to_datetime(["2019-03-01", "2019-03-02", "2025-09-01", "2025-09-02", "2025-09-03"]),
        "category": ["agreement", "military_deployment", "statement", "agreement", "strike"],
        "date_precision": "day", "claim_status": "confirmed", "title": ["treaty", "troops fly in", "words", "paper", "US"]})
    mix = an.window_mix(events, {"2019": ("venezuela", "2019-01-01", "2019-12-31"),
                                 "2025": ("venezuela", "2025-01-01", "2025-12-31"),
                                 "none": ("venezuela", "2020-01-01", "2020-12-31")})
    assert [m["title"] for m in mix["most_concrete"].tolist()[:2]] == ["troops fly in", "paper"]
    assert mix.loc["none", "most_concrete"] is None
    assert mix["days"].tolist() == [365, 365, 366]  # 2020 is a leap year
    assert mix["rows_collected"].tolist() == [2, 3, 0]  # rows of any actor: the US strike counts as coverage
    assert mix.loc["2025", "deeds"] == 1  # ... but not as a Russian deed


def test_split_at_keeps_every_row_once_and_never_places_a_month_dated_row_by_its_first(tables):
    events = an.case_events(tables["events"], since="2025-01-01")
    before, after, either = an.split_at(events, pd.Timestamp("2026-01-03"))
    assert sorted([*before.index, *after.index, *either.index]) == sorted(events.index)
    assert (before["date_end"] < "2026-01-03").all() and (after["date"] >= "2026-01-03").all()
    month = pd.DataFrame({"date": pd.to_datetime(["2026-01-01"]), "date_precision": ["month"]})
    month["date_end"] = an.period_end(month["date"], month["date_precision"])
    assert [len(part) for part in an.split_at(month, pd.Timestamp("2026-01-03"))] == [0, 0, 1]


def test_weekly_strikes_keep_every_death(tables):
    weekly = an.weekly_strikes(tables["strikes"])
    assert weekly["killed_best"].to_numpy().sum() == an.vessel_strikes(tables["strikes"])["killed_best"].sum()


def test_audit_separates_attributed_reposts_from_unattributed_ones():
    sources = pd.DataFrame({"source_id": ["news", "agg_named", "agg_bare"], "publisher": ["A", "B", "C"],
                            "source_type": ["news", "aggregator", "aggregator"],
                            "original_publisher": [None, "AP", None]})
    one = {"source_ids": ["news"]}
    tables = {
        "sources": sources,
        "events": pd.DataFrame({"event_id": ["e1", "e2", "e3", "e4"], "claim_status": "confirmed",
                                "source_ids": ["news", "agg_named", "agg_bare", "agg_bare;agg_named"]}),
        "strikes": pd.DataFrame({"strike_id": ["s1"], "confidence": "high", **one}),
        "casualty_estimates": pd.DataFrame({"estimate_id": ["c1"], **one}),
        "weapon_systems": pd.DataFrame({"system_id": ["w1"], "status_claim": "reported", **one}),
        "arms_transfers": pd.DataFrame({"supplier": ["russia"], "recipient": ["syria"], "year": [2010], **one}),
        "comparison": pd.DataFrame({"metric": ["m"], "case": ["syria"], **one}),
    }
    audit = an.audit(tables)
    assert audit.loc["events", ["aggregator_only_rows", "unattributed_rows"]].tolist() == [3, 1]
    assert audit.loc["events", "two_plus_outlets"] == 0  # e4's unnamed copy may copy AP: one outlet, not two
    assert audit.loc["strikes", ["aggregator_only_rows", "unattributed_rows"]].tolist() == [0, 0]
    only = an.aggregator_only_rows(tables)
    assert only.loc[only["unattributed"], "row"].tolist() == ["e3"]


def test_tally_provenance_says_which_tallies_rest_on_reposts_and_whether_any_copy_is_dated():
    sources = pd.DataFrame({"source_id": ["paper", "copy_dated", "copy_undated"], "publisher": ["CBS", "Site", "Farm"],
                            "source_type": ["news", "aggregator", "aggregator"], "original_publisher": [None, "AP", "AP"],
                            "published": pd.to_datetime(["2026-04-12", "2026-04-19", None])})
    one = {"source_ids": ["paper"]}
    tables = {
        "sources": sources,
        "events": pd.DataFrame({"event_id": ["e1"], **one}),
        "strikes": pd.DataFrame({"strike_id": ["s1"], **one}),
        "casualty_estimates": pd.DataFrame({"estimate_id": ["own", "reposts", "undated", "mixed"],
                                            "source_ids": ["paper", "copy_dated;copy_undated", "copy_undated",
                                                           "paper;copy_undated"]}),
        "weapon_systems": pd.DataFrame({"system_id": ["w1"], **one}),
        "arms_transfers": pd.DataFrame({"supplier": ["russia"], "recipient": ["syria"], "year": [2010], **one}),
        "comparison": pd.DataFrame({"metric": ["m"], "case": ["syria"], **one}),
    }
    seen = an.tally_provenance(tables)
    assert seen["reposts_only"].to_dict() == {"mixed": False, "own": False, "reposts": True, "undated": True}
    assert seen["undated"].to_dict() == {"mixed": False, "own": False, "reposts": False, "undated": True}
    assert seen.loc["reposts", "via"] == "Site, Farm"


def test_top_certainty_under_two_outlets_lists_deeds_only():
    sources = pd.DataFrame({"source_id": ["wire", "copy_ap", "news_b", "gov"], "publisher": ["TASS", "Site", "B", "Gov"],
                            "source_type": ["wire", "aggregator", "news", "official"],
                            "original_publisher": [None, "AP", None, None]})
    one = {"source_ids": ["news_b"]}
    tables = {
        "sources": sources,
        "events": pd.DataFrame({
            "event_id": ["deed_one", "deed_two", "deed_official", "words_one", "deed_reported"],
            "claim_status": ["confirmed", "confirmed", "confirmed", "confirmed", "reported"],
            "category": ["strike", "strike", "sanctions_economic", "statement", "strike"],
            "source_ids": ["wire", "copy_ap;news_b", "gov", "wire", "wire"]}),
        "strikes": pd.DataFrame({"strike_id": ["s_high", "s_medium"], "confidence": ["high", "medium"],
                                 "source_ids": ["news_b", "news_b"]}),
        "casualty_estimates": pd.DataFrame({"estimate_id": ["c1"], **one}),
        "weapon_systems": pd.DataFrame({"system_id": ["w1"], "status_claim": "confirmed", "source_ids": ["copy_ap"]}),
        "arms_transfers": pd.DataFrame({"supplier": ["russia"], "recipient": ["syria"], "year": [2010], **one}),
        "comparison": pd.DataFrame({"metric": ["m"], "case": ["syria"], **one}),
    }
    flagged = an.top_rows_under_two_outlets(tables)
    assert sorted(flagged.itertuples(index=False, name=None)) == [("events", "deed_one"), ("strikes", "s_high"),
                                                                          ("weapon_systems", "w1")]
    assert an.audit(tables)["top_under_two_outlets_rows"].to_dict() == {
        "events": 1, "strikes": 1, "casualty_estimates": 0, "weapon_systems": 1, "arms_transfers": 0, "comparison": 0}


def test_label_reads_vocabulary_ids_as_words():
    assert [an.label("sanctions_economic"), an.label("arms_support"), an.label("manpads")] == [
        "economic sanctions", "arms support", "MANPADS"]


def test_newest_strike_says_how_sure_the_last_record_is():
    strikes = pd.DataFrame({"date": pd.to_datetime(["2026-03-08", "2026-06-21", "2026-01-10"]),
                            "date_precision": "day", "confidence": ["high", "low", "high"]})
    assert an.newest_strike(strikes) == "21 June 2026 (low confidence; newest high-confidence strike: 8 March 2026)"
    assert an.newest_strike(strikes[strikes["confidence"] == "high"]) == "8 March 2026"


def test_reconcile_summary_counts_bound_only_tallies_apart(tables):
    rec = an.reconcile(tables["strikes"], tables["casualty_estimates"])
    estimates = tables["casualty_estimates"]
    boats = estimates[estimates["subject"] == "vessel_strike_campaign"]
    text = an.reconcile_summary(rec)
    assert f"{int(rec['reconciles'].sum())} of the {len(rec)} collected tallies" in text
    assert len(rec) + int(boats["killed_best"].isna().sum()) == len(boats)
    assert f"{int(boats['killed_best'].isna().sum())} more give only a bound" in text


def test_a_month_dated_strike_enters_the_running_totals_when_announced():
    strikes = pd.DataFrame({
        "kind": "vessel_strike", "strike_id": ["a", "b", "c"], "strikes_counted": 1, "vessels": 1,
        "date": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-06-03"]), "date_precision": ["month", "month", "day"],
        "announced_date": pd.to_datetime(["2026-06-18", None, "2026-06-03"]),
        "killed_best": [3, 2, 2], "survivors_presumed_dead": 0})
    totals = an.running_totals(strikes)["killed_best"]
    assert totals.to_dict() == {pd.Timestamp("2026-06-01"): 2, pd.Timestamp("2026-06-03"): 4,
                                pd.Timestamp("2026-06-18"): 7}


def test_a_tally_dated_to_its_month_is_compared_at_the_months_end():
    strikes = pd.DataFrame({
        "kind": "vessel_strike", "strike_id": ["a", "b"], "strikes_counted": 1, "vessels": 1,
        "date": pd.to_datetime(["2026-06-03", "2026-06-18"]), "date_precision": "day", "announced_date": pd.NaT,
        "killed_best": [2, 3], "survivors_presumed_dead": 0})
    tallies = pd.DataFrame({
        "estimate_id": ["day", "month"], "subject": "vessel_strike_campaign", "publisher": "x", "strikes": pd.NA,
        "as_of": pd.to_datetime(["2026-06-10", "2026-06-01"]), "as_of_precision": ["day", "month"],
        "killed_best": [2, 5], "includes_presumed_dead": "no", "scope": "all"})
    rec = an.reconcile(strikes, tallies).set_index("estimate_id")
    assert rec.loc["month", "compared_on"] == pd.Timestamp("2026-06-30") and rec.loc["month", "reconciles"]
    assert rec.loc["day", "dataset_killed"] == 2  # a day-dated tally is compared on its own day


def test_event_line_gives_the_date_at_its_precision_then_the_tags_then_the_status():
    row = pd.DataFrame({"date": pd.to_datetime(["2025-12-01"]), "date_precision": ["month"], "claim_status": ["reported"],
                        "title": ["CIA drone strikes a dock"]}).iloc[0]
    assert an.event_line(row, "United States") == "- December 2025 [United States, reported] CIA drone strikes a dock"
