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
    (3, 4, None, "4 (low 3)"), (None, 4, 9, "4 (high 9)"), (None, 2394.24, None, "2,394"),
    (99.5, None, 120.4, "99.5 to 120"), (None, 99.96, None, "100"), (2394.2, None, 2394.4, "2,394"),
])
def test_fmt_range(low, best, high, text):
    assert an.fmt_range(low, best, high) == text


@pytest.mark.parametrize(("low", "best", "high", "unit", "text", "full", "brief"), [
    (4378, None, 7500, "personnel", "at the peak", "4,378 to 7,500 personnel; at the peak", "4,378 to 7,500"),
    (None, 9, None, None, None, "9", "9"),
    (None, None, None, "days", "Shot while fleeing; later named", "Shot while fleeing; later named", "shot while fleeing"),
    (None, None, None, None, "A clause far too long to stand in a sentence that compares two cases", None, "no number"),
    (None, None, None, None, "SNHR 6,969", None, "SNHR 6,969"),
    (None, None, None, None, "Basing agreements only: Hmeimim (2015, open-ended; Tartus", None,
     "basing agreements only: Hmeimim"),
    (None, None, None, None, None, "no number", "no number"),
])
def test_comparison_text(low, best, high, unit, text, full, brief):
    row = pd.Series({"value_low": low, "value_best": best, "value_high": high, "unit": unit, "value_text": text})
    assert an.comparison_text(row, brief=True) == brief
    assert an.comparison_text(row) == (full or text)


def test_reconcile_fixes_name_each_row_to_add_delete_or_update():
    rec = pd.DataFrame({"estimate_id": ["new", "fixed", "moved"], "tally_killed": [10, 20, 30],
                        "dataset_killed": [5, 20, 25], "dataset_killed_incl_presumed": [6, 20, 26],
                        "reconciles": [False, True, False]})
    documented = {"fixed": (20, 19, 19), "moved": (30, 24, 25), "gone": (1, 2, 3)}
    assert an.reconcile_fixes(rec, documented) == [
        "add a row for new (tally / at the time / with presumed dead: 10 / 5 / 6) and say why it differs",
        "delete the row of fixed: it now reconciles", "delete the row of gone: it now reconciles",
        "update the numbers of moved: 30 / 24 / 25 -> 30 / 25 / 26"]
    assert an.reconcile_fixes(rec, {"new": (10, 5, 6), "moved": (30, 25, 26)}) == []


def test_notes_on_deeds_name_agreement_steps_statuses_and_how_much_of_an_open_window_is_covered():
    statuses = pd.Categorical(["reported", "confirmed", "reported", "claimed"],
                              categories=["confirmed", "reported", "claimed", "denied"], ordered=True)
    deeds = pd.DataFrame({"category": ["agreement", "agreement", "other", "strike"], "claim_status": statuses,
                          "date": pd.to_datetime(["2026-01-05", "2026-02-20", "2026-03-02", "2026-05-01"]),
                          "event_id": ["signed", "ratified", "c", "d"], "part_of": [None, "signed", None, None]})
    deeds["date_end"] = deeds["date"]
    assert an.agreement_note(deeds).startswith("; all 2 agreement deeds are stages of 1 accord ")
    # two later stages whose first stage falls before the window are still one accord; a separate accord is not a stage
    three = pd.concat([deeds.iloc[1:2], deeds.iloc[1:2].assign(event_id="in_force"), deeds.iloc[:1].assign(event_id="other")])
    assert an.agreement_note(three).startswith("; 2 of the 3 agreement deeds are stages of 1 accord ")
    assert an.agreement_note(deeds.assign(part_of=None)) == ""
    assert an.agreement_note(deeds.iloc[1:]) == ""  # one agreement is one act
    assert an.status_note(deeds) == " (1 confirmed, 2 reported, 1 claimed)"  # the vocabulary's order, zeros left out
    assert an.status_note(deeds.iloc[:0]) == ""
    assert an.months_after(deeds, pd.Timestamp("2026-01-03")) == 3  # to 3 March: 5 Jan, 20 Feb and 2 Mar, not 1 May
    assert an.months_after(deeds, pd.Timestamp("2026-01-03"), months=1) == 1


def test_escalation_steps_never_go_backwards(tables):
    events = an.case_events(tables["events"], "venezuela", since="2025-01-01")
    assert an.first_steps(events, "us")["date"].is_monotonic_increasing


def test_first_steps_on_a_jump_and_a_multi_level_step():
    events = pd.DataFrame({
        "event_id": ["none", "a", "b", "c", "r", "d"], "title": ["no level", "A", "B", "C", "Russia", "D"],
        "actor": ["us", "us", "us", "us", "russia", "us"], "claim_status": "confirmed", "date_precision": "day",
        "escalation_level": pd.array([None, 1, 3, 2, 5, 5], dtype="Int64"),
        "date": pd.to_datetime(["2025-01-01", "2025-01-05", "2025-02-01", "2025-02-10", "2025-02-15", "2025-03-01"])})
    steps = an.first_steps(events, "us")
    # By hand: a (level 1) opens; b jumps 1 -> 3, so it reaches 2 and 3 at once; c (level 2, later) changes nothing;
    # Russia's level 5 and the row without a level are not the US's steps; d reaches 4 and 5 at once.
    # Gaps: 5 Jan -> 1 Feb = 27 days, 1 Feb -> 1 Mar 2025 = 28 days; both levels one event reaches share its gap.
    rows = [(int(s.escalation_level), s.event_id, f"{s.date:%Y-%m-%d}", s.reached_with_level,
             None if pd.isna(s.days_since_previous_step) else int(s.days_since_previous_step))
            for s in steps.itertuples()]
    assert rows == [(1, "a", "2025-01-05", 1, None), (2, "b", "2025-02-01", 3, 27), (3, "b", "2025-02-01", 3, 27),
                    (4, "d", "2025-03-01", 5, 28), (5, "d", "2025-03-01", 5, 28)]


def test_no_day_gap_is_counted_from_a_date_known_only_to_the_month():
    def steps(precisions):
        events = pd.DataFrame({
            "actor": "us", "escalation_level": [1, 2, 3], "event_id": ["a", "b", "c"], "title": ["a", "b", "c"],
            "claim_status": "confirmed", "date": pd.to_datetime(["2025-01-05", "2025-03-01", "2025-03-20"]),
            "date_precision": precisions})
        return an.first_steps(events)["days_since_previous_step"].tolist()

    assert steps(["day", "day", "day"])[1:] == [55, 19]
    assert all(pd.isna(gap) for gap in steps(["day", "month", "day"]))


def test_an_empty_selection_is_named_not_a_pandas_error():
    events = pd.DataFrame({"actor": ["russia"], "escalation_level": pd.array([pd.NA], dtype="Int64"), "event_id": ["a"],
                           "date": pd.to_datetime(["2025-01-05"]), "claim_status": "confirmed", "category": "statement"})
    with pytest.raises(ValueError, match="no event of actor 'us' has an escalation level"):
        an.first_steps(events)
    with pytest.raises(ValueError, match="no events dated to a month or day to count by month"):
        an.monthly_counts(events.assign(date_precision="day").iloc[:0], "actor")
    with pytest.raises(ValueError, match="no vessel strikes in the strike table"):
        an.weekly_strikes(pd.DataFrame({"kind": ["raid"], "date": pd.to_datetime(["2026-01-03"]), "strike_id": ["r"]}))
    assert an.fmt_date(pd.NaT) == "no date"


def test_monthly_counts_keep_each_claim_with_its_status_and_actor():
    events = pd.DataFrame({"date": pd.to_datetime(["2025-01-05", "2025-01-20", "2025-03-02", "2025-03-09", "2025-01-01"]),
                           "date_precision": ["day", "day", "day", "day", "year"],
                           "actor": ["us", "russia", "russia", "us", "us"],
                           "claim_status": ["confirmed", "claimed", "denied", "reported", "confirmed"]})
    verified, unverified = an.monthly_counts(events, "actor")
    months = ["2025-01", "2025-02", "2025-03"]  # February has no event and is kept
    # the row dated only to 2025 is in no month (not January's): left out, and counted for the caller to say so
    assert [str(m) for m in verified.index] == months and verified["us"].tolist() == [1, 0, 1]
    assert verified.attrs["year_dated"] == unverified.attrs["year_dated"] == 1
    assert {column: unverified[column].tolist() for column in unverified} == {("claimed", "russia"): [1, 0, 0],
                                                                               ("denied", "russia"): [0, 0, 1]}


def test_rows_per_month_put_a_year_dated_row_in_no_month(tables):
    estimates = tables["casualty_estimates"].head(4).copy()
    estimates["as_of"] = pd.to_datetime(["2025-01-15", "2025-03-01", "2025-01-01", "2019-01-01"])
    estimates["as_of_precision"] = ["day", "month", "year", "year"]
    counts = an.rows_per_month({**tables, "casualty_estimates": estimates}, "casualty_estimates",
                               pd.period_range("2025-01", "2025-03", freq="M"))
    # the tally dated only to 2025 is not January's; the one dated to 2019 is outside the months drawn
    assert counts.tolist() == [1, 0, 1] and counts.attrs["year_dated"] == 1
    # a table with no precision column: every date is a day, and SIPRI's register is dated by year (in no month)
    assert an.rows_per_month(tables, "arms_transfers", pd.period_range("2024-01", "2024-12", freq="M")).sum() == 0


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
    mix = an.kind_mix(events)
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
    strikes = pd.DataFrame({"date": pd.to_datetime(["2026-03-01", "2026-06-21", "2026-06-21"]), "strike_id": ["a", "b", "c"],
                            "date_precision": ["month", "day", "day"], "confidence": ["high", "high", "low"],
                            "announced_date": pd.NaT})
    assert an.newest_strike(strikes) == "21 June 2026"  # a confirmed strike that day: whatever the row order
    assert an.newest_strike(strikes.iloc[::-1]) == "21 June 2026"
    assert an.newest_strike(strikes.iloc[[0, 2]]) == "21 June 2026 (low confidence; newest high-confidence strike: March 2026)"


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
    oldest = estimates["as_of"].idxmin()
    estimates.loc[oldest, ["as_of", "as_of_precision"]] = [pd.Timestamp("2010-01-01"), "year"]
    row = an.coverage({**tables, "casualty_estimates": estimates}, as_of).loc["casualty_estimates"]
    assert (row["first"], row["first_precision"]) == (pd.Timestamp("2010-01-01"), "year")  # printed '2010', not a day


def test_coverage_of_a_table_with_no_date_in_any_row_is_empty_not_an_error(tables):
    weapons = tables["weapon_systems"].assign(status_as_of=pd.NaT)  # an optional date, left empty everywhere
    row = an.coverage({**tables, "weapon_systems": weapons}, pd.Timestamp("2026-11-27")).loc["weapon_systems"]
    assert row["rows"] == len(weapons) and pd.isna(row["last"]) and pd.isna(row["days_last_to_as_of"])


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
    assert note.endswith("at least 1 strike and 3 deaths.")  # the high-confidence record alone
    assert an.low_confidence_note(vs[vs["confidence"] == "high"]) == ""


def test_per_month_text_says_a_long_run_of_empty_months_once():
    months = pd.period_range("2025-11", periods=9, freq="M")
    counts = pd.Series([43, 0, 8, 0, 0, 0, 0, 0, 1], index=months)
    assert an.per_month_text(counts) == "Nov 2025 43, Dec 2025 0, Jan 2026 8, none from Feb to Jun 2026, Jul 2026 1"
    assert an.per_month_text(counts.iloc[:5]) == "Nov 2025 43, Dec 2025 0, Jan 2026 8, Feb 2026 0, Mar 2026 0"
    assert an.per_month_text(pd.Series([0, 0, 0], index=months[:3])) == "none from Nov 2025 to Jan 2026"


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


def test_weekly_strikes_start_weeks_on_monday_and_split_medium_and_low_confidence():
    strikes = pd.DataFrame({
        "strike_id": list("abcdefg"),
        "kind": ["vessel_strike"] * 4 + ["land_strike", "vessel_strike", "vessel_strike"],
        "date": pd.to_datetime(["2025-09-07", "2025-09-08", "2025-09-08", "2025-09-10", "2025-09-09", "2025-09-28",
                                "2025-09-29"]),  # Sun, Mon, Mon, Wed, (land), Sun, Mon
        "theater": ["caribbean", "caribbean", "eastern_pacific", "eastern_pacific", "venezuela_mainland", "caribbean",
                    "eastern_pacific"],
        "confidence": ["high", "medium", "high", "low", "high", "low", "medium"],
        "strikes_counted": [1, 1, 2, 1, 1, 1, 1], "killed_best": [3, 2, 5, 4, 10, 6, 1], "date_precision": "day",
        "announced_date": pd.NaT})
    weekly = an.weekly_strikes(strikes)
    # By hand: Sun 7 Sep falls in the week of Mon 1 Sep, Mon 8 Sep opens the next; the week of 15 Sep has no strike
    # but is kept (zeros); Sun 28 Sep is in the week of 22 Sep; Mon 29 Sep opens its own. The land strike is left out.
    weeks = ["2025-09-01", "2025-09-08", "2025-09-15", "2025-09-22", "2025-09-29"]
    assert [f"{w:%Y-%m-%d}" for w in weekly.index] == weeks
    killed = {column: weekly["killed_best"][column].tolist() for column in weekly["killed_best"]}
    assert killed == {"caribbean_high": [3, 0, 0, 0, 0], "caribbean_medium": [0, 2, 0, 0, 0],
                      "caribbean_low": [0, 0, 0, 6, 0], "eastern_pacific_high": [0, 5, 0, 0, 0],
                      "eastern_pacific_medium": [0, 0, 0, 0, 1], "eastern_pacific_low": [0, 4, 0, 0, 0]}
    assert weekly["strikes_counted"]["eastern_pacific_high"].tolist() == [0, 2, 0, 0, 0]  # c counts two strikes


def test_a_month_dated_strike_is_drawn_in_the_week_it_was_announced():
    strikes = pd.DataFrame({
        "strike_id": ["announced", "unannounced", "dated"], "kind": "vessel_strike", "theater": "eastern_pacific",
        "confidence": "high", "strikes_counted": 1, "killed_best": [3, 2, 1],
        "date": pd.to_datetime(["2026-06-01", "2026-06-01", "2026-06-10"]), "date_precision": ["month", "month", "day"],
        "announced_date": pd.to_datetime(["2026-06-18", None, None])})
    killed = an.weekly_strikes(strikes)["killed_best"]["eastern_pacific_high"]
    # Thu 18 Jun 2026 is in the week of Mon 15 Jun; the one never announced stays in the week of its month's 1st (a Monday)
    assert {f"{week:%Y-%m-%d}": n for week, n in killed.items() if n} == {"2026-06-01": 2, "2026-06-08": 1, "2026-06-15": 3}


def test_a_month_dated_strike_disclosed_after_its_month_is_drawn_in_its_month_and_counted_once_announced():
    strikes = pd.DataFrame({
        "strike_id": ["may", "dated"], "kind": "vessel_strike", "theater": "eastern_pacific", "confidence": "high",
        "strikes_counted": 1, "vessels": 1, "killed_best": [3, 1], "survivors_presumed_dead": 0,
        "date": pd.to_datetime(["2026-05-01", "2026-05-20"]), "date_precision": ["month", "day"],
        "announced_date": pd.to_datetime(["2026-06-02", None])})
    assert an.placed_on(strikes).tolist() == [pd.Timestamp("2026-05-31"), pd.Timestamp("2026-05-20")]
    killed = an.weekly_strikes(strikes)["killed_best"]["eastern_pacific_high"]
    assert {f"{week:%Y-%m-%d}": n for week, n in killed.items() if n} == {"2026-05-18": 1, "2026-05-25": 3}
    # a published tally can have counted it only from the day it was disclosed
    assert an.running_totals(strikes)["killed_best"].to_dict() == {pd.Timestamp("2026-05-20"): 1,
                                                                   pd.Timestamp("2026-06-02"): 4}
    assert an.newest_strike(strikes) == "May 2026"  # it happened by 31 May, possibly after the 20th


def test_the_raids_later_overall_tolls_span_the_published_figures_not_the_raids_row():
    estimates = pd.DataFrame({
        "subject": "absolute_resolve_raid", "scope": ["all", "all", "all", "military_only", "all"],
        "as_of": pd.to_datetime(["2026-01-03", "2026-01-06", "2026-01-07", "2026-01-08", "2026-02-01"]),
        "killed_low": pd.array([40, 67, None, None, None], dtype="Int64"),
        "killed_best": pd.array([None, 75, 100, 32, None], dtype="Int64"),
        "killed_high": pd.array([None, 80, None, None, 120], dtype="Int64")})
    # the first day's floor and the partial count are left out; a new tally of up to 120 widens the span
    assert an.later_overall_tolls(estimates, pd.Timestamp("2026-01-03")) == "67 to 120"
    assert an.later_overall_tolls(estimates.iloc[:1], pd.Timestamp("2026-01-03")) == ""
    with pytest.raises(ValueError, match="strikes.csv has no row of kind 'raid'"):
        an.raid_toll(pd.DataFrame({"kind": ["vessel_strike"], "date": pd.to_datetime(["2026-01-01"]), "strike_id": "a"}))


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
    strikes = pd.DataFrame({"date": pd.to_datetime(["2026-03-08", "2026-06-21", "2026-01-10"]), "strike_id": ["a", "b", "c"],
                            "date_precision": "day", "confidence": ["high", "low", "high"], "announced_date": pd.NaT})
    assert an.newest_strike(strikes) == "21 June 2026 (low confidence; newest high-confidence strike: 8 March 2026)"
    assert an.newest_strike(strikes[strikes["confidence"] == "high"]) == "8 March 2026"
    # a medium-confidence record newer than the newest high one is named too; an older one adds nothing
    medium = pd.DataFrame({"date": pd.to_datetime(["2026-05-01"]), "strike_id": ["d"], "date_precision": "day",
                           "confidence": "medium", "announced_date": pd.NaT})
    assert an.newest_strike(pd.concat([strikes, medium], ignore_index=True)) == (
        "21 June 2026 (low confidence; newest medium-confidence strike: 1 May 2026; newest high-confidence strike: "
        "8 March 2026)")
    assert an.newest_strike(pd.concat([strikes, medium.assign(date=pd.Timestamp("2026-02-01"))], ignore_index=True)) == (
        "21 June 2026 (low confidence; newest high-confidence strike: 8 March 2026)")
    assert an.newest_strike(pd.concat([strikes.iloc[[0]], medium], ignore_index=True)) == (
        "1 May 2026 (medium confidence; newest high-confidence strike: 8 March 2026)")


def boat_strikes(*rows):
    """Day-dated vessel strikes from (date, killed_best, survivors_presumed_dead)."""
    return pd.DataFrame({
        "kind": "vessel_strike", "strike_id": [f"s{i}" for i in range(len(rows))], "strikes_counted": 1, "vessels": 1,
        "date": pd.to_datetime([r[0] for r in rows]), "date_precision": "day", "announced_date": pd.NaT,
        "killed_best": [r[1] for r in rows], "survivors_presumed_dead": [r[2] for r in rows]})


def tallies(*rows, subject="vessel_strike_campaign"):
    """Boat-strike tallies from (estimate_id, as_of, as_of_precision, killed_best); None = a bound-only tally."""
    return pd.DataFrame({
        "estimate_id": [r[0] for r in rows], "subject": subject, "publisher": "x", "strikes": pd.NA,
        "as_of": pd.to_datetime([r[1] for r in rows]), "as_of_precision": [r[2] for r in rows],
        "killed_low": pd.NA, "killed_best": pd.array([r[3] for r in rows], dtype="Int64"),
        "includes_presumed_dead": "unknown", "scope": "all"})


def test_reconcile_leaves_out_partial_tallies():
    estimates = tallies(("all", "2025-09-03", "day", 11), ("troops", "2025-09-03", "day", 3))
    estimates.loc[1, "scope"] = "military_only"
    # 3 soldiers are not a count of all 11 dead: compared, it would be listed as a tally that does not match
    assert an.reconcile(boat_strikes(("2025-09-02", 11, 0)), estimates)["estimate_id"].tolist() == ["all"]


def test_reconcile_summary_counts_bound_only_tallies_apart():
    strikes = boat_strikes(("2025-09-02", 11, 0))
    estimates = tallies(("match", "2025-09-03", "day", 11), ("off", "2025-09-03", "day", 20),
                        ("over", "2025-09-03", "day", None), ("over_too", "2025-09-04", "day", None))
    # By hand: 11 matches the 11 dead, 20 does not; two tallies give only a bound.
    assert an.reconcile_summary(an.reconcile(strikes, estimates)) == (
        "1 of the 2 collected tallies that give a number match within 1 death of a running total of their day "
        "(deaths at the time, or with survivors presumed dead; before or after that day's strikes); 2 more give only a "
        "bound and are not compared")
    assert an.reconcile_summary(an.reconcile(strikes, estimates.iloc[:2])) == (
        "1 of the 2 collected tallies that give a number match within 1 death of a running total of their day "
        "(deaths at the time, or with survivors presumed dead; before or after that day's strikes)")
    # one bound-only tally, and the tolerance the tallies were compared with (20 is within 9 of 11)
    assert an.reconcile_summary(an.reconcile(strikes, estimates.iloc[:3], tolerance=9)) == (
        "2 of the 2 collected tallies that give a number match within 9 deaths of a running total of their day "
        "(deaths at the time, or with survivors presumed dead; before or after that day's strikes); 1 more gives only a "
        "bound and is not compared")
    # floors ('over N') beyond the higher running total by more than the tolerance are said to lie above it: by hand,
    # 11 dead on 3 and 4 September, so 'over 13' lies above (13 > 11 + 1) and 'over 12' does not
    estimates["killed_low"] = pd.array([pd.NA, pd.NA, 13, 12], dtype="Int64")
    assert an.reconcile_summary(an.reconcile(strikes, estimates)).endswith(
        "; 2 more give only a floor ('over' a number), and 1 of them lies above both running totals")
    estimates.loc[3, "killed_low"] = 20
    assert an.reconcile_summary(an.reconcile(strikes, estimates)).endswith(
        "; 2 more give only a floor ('over' a number), and both lie above both running totals")
    estimates.loc[2, "killed_low"] = pd.NA  # an 'up to' tally is a bound, not a floor
    estimates["killed_high"] = pd.array([pd.NA, pd.NA, 30, pd.NA], dtype="Int64")
    assert an.reconcile_summary(an.reconcile(strikes, estimates)).endswith(
        "; 2 more give only a bound, and 1 of them lies above both running totals")


def test_a_tally_of_a_day_may_count_that_days_strikes_or_not():
    # By hand: 11 dead on 2 Sep; 3 more on 10 Sep (announced that day); 4 more dated 10 Sep, announced 13 Sep.
    strikes = boat_strikes(("2025-09-02", 11, 0), ("2025-09-10", 3, 0), ("2025-09-10", 4, 0))
    strikes["announced_date"] = pd.to_datetime(["2025-09-02", "2025-09-10", "2025-09-13"])
    estimates = tallies(("before", "2025-09-10", "day", 11), ("after_first", "2025-09-10", "day", 14),
                        ("all", "2025-09-10", "day", 18), ("between", "2025-09-10", "day", 16),
                        ("before_late", "2025-09-12", "day", 14))
    rec = an.reconcile(strikes, estimates).set_index("estimate_id")
    # written before that day's strike (11), after it (14), or with the one disclosed later (18): each a total of the
    # day; 16 is no total of 10 September; on the 12th the strike disclosed on the 13th cannot be counted yet (14)
    assert rec["reconciles"].to_dict() == {"before": True, "after_first": True, "all": True, "between": False,
                                           "before_late": True}
    assert rec.loc["between", ["dataset_killed_before", "dataset_killed", "gap"]].tolist() == [11, 18, 2]


def test_reconcile_tolerance_presumed_dead_and_dates():
    # Running totals by hand: 2 Sep 11 dead; 15 Sep 14; 27 Oct 28 dead, 31 with the 3 presumed dead.
    strikes = boat_strikes(("2025-09-02", 11, 0), ("2025-09-15", 3, 0), ("2025-10-27", 14, 3))
    estimates = tallies(
        ("one_over", "2025-09-20", "day", 15), ("one_under", "2025-09-20", "day", 13), ("two_over", "2025-09-20", "day", 16),
        ("with_presumed", "2025-10-30", "day", 31), ("before_first", "2025-08-01", "day", 2),
        ("september", "2025-09-01", "month", 14), ("year", "2025-01-01", "year", 31), ("bound", "2025-10-30", "day", None))
    estimates = pd.concat([estimates, tallies(("raid", "2026-01-05", "day", 80), subject="absolute_resolve_raid")])
    rec = an.reconcile(strikes, estimates).set_index("estimate_id")
    assert sorted(rec.index) == sorted(["one_over", "one_under", "two_over", "with_presumed", "before_first",
                                        "september", "year"])  # no bound-only tally, no other subject
    assert rec.attrs["bound_only"] == 1
    assert rec["reconciles"].to_dict() == {
        "before_first": False, "september": True, "one_over": True, "one_under": True, "two_over": False,
        "with_presumed": True, "year": True}
    assert rec.loc["two_over", ["gap", "gap_incl_presumed"]].tolist() == [2, 2]  # 16 - 14: one beyond the tolerance
    assert rec.loc["with_presumed", ["dataset_killed", "dataset_killed_incl_presumed", "gap", "gap_incl_presumed"]].tolist() == [
        28, 31, 3, 0]  # 3 away from the deaths, 0 from deaths plus presumed dead
    assert rec.loc["before_first", ["dataset_killed", "dataset_strikes", "gap"]].tolist() == [0, 0, 2]  # nothing yet
    assert (rec.loc["september", "compared_on"], rec.loc["september", "dataset_killed"]) == (pd.Timestamp("2025-09-30"), 14)
    assert (rec.loc["year", "compared_on"], rec.loc["year", "dataset_killed_incl_presumed"]) == (pd.Timestamp("2025-12-31"), 31)
    assert an.reconcile(strikes, estimates, tolerance=2).set_index("estimate_id").loc["two_over", "reconciles"]


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
        "killed_low": pd.NA, "killed_best": [2, 5], "includes_presumed_dead": "no", "scope": "all"})
    rec = an.reconcile(strikes, tallies).set_index("estimate_id")
    assert rec.loc["month", "compared_on"] == pd.Timestamp("2026-06-30") and rec.loc["month", "reconciles"]
    assert rec.loc["day", "dataset_killed"] == 2  # a day-dated tally is compared on its own day


def test_event_line_gives_the_date_at_its_precision_then_the_tags_then_the_status():
    row = pd.DataFrame({"date": pd.to_datetime(["2025-12-01"]), "date_precision": ["month"], "claim_status": ["reported"],
                        "title": ["CIA drone strikes a dock"]}).iloc[0]
    assert an.event_line(row, "United States") == "- December 2025 [United States, reported] CIA drone strikes a dock"


def test_a_comparison_value_rests_on_a_claim_when_its_unit_or_text_says_so():
    rows = pd.DataFrame({"unit": ["personnel (claimed)", "personnel", "personnel", None],
                         "value_text": [None, "4,378 counted; 7,500 claimed by Ukraine", "at the peak", None]})
    assert an.rests_on_claim(rows).tolist() == [True, True, False, False]
