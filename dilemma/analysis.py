"""Data shaping shared by the chapters, the README headline and the tests.

Everything a notebook needs that another notebook (or the build) also needs
lives here, once: pure functions of the loaded frames (nothing here reads
files; the README's blocks are written by ``briefing``).
"""

from __future__ import annotations

import pandas as pd

from dilemma.schema import LIST_SEPARATOR, SURVIVOR_FATES, period_end

WORDS = ("statement", "diplomatic")
"""Event categories that are words (statements, calls, meetings, UN speeches); every other category is a deed."""

FALL = {"syria": pd.Timestamp("2024-12-08"), "venezuela": pd.Timestamp("2026-01-03")}
"""The day Russia's client fell: Assad flown to Moscow, Maduro captured. 'During the campaign' means before this day."""

FORCE = ("strike", "military_deployment")
"""Deed categories that send forces or use them (withdrawals, ``military_withdrawal``, are deeds of their own)."""

RECONCILE_TOLERANCE = 1
"""Deaths by which a published tally may differ from the dataset's running total and still reconcile (see data/README)."""
PARTIAL_SCOPES = ("military_only", "one_nationality")
"""casualty_estimates.scope values of a tally that counts only part of the dead (set apart from overall tolls)."""


def words_or_deeds(category: pd.Series) -> pd.Series:
    return pd.Series(["words" if c in WORDS else "deeds" for c in category], index=category.index, dtype="str")


def case_events(events: pd.DataFrame, case: str = "venezuela", since: str | None = None) -> pd.DataFrame:
    """Events of one case sorted by date, with a words/deeds column and ``date_end``, the last day each could be."""
    out = events[events["case"] == case].sort_values(["date", "event_id"]).copy()
    if since:
        out = out[out["date"] >= pd.Timestamp(since)]
    out["kind"] = words_or_deeds(out["category"])
    out["date_end"] = period_end(out["date"], out["date_precision"])
    return out


def first_steps(events: pd.DataFrame, actor: str = "us") -> pd.DataFrame:
    """The first event with which one actor reached each escalation level (or higher), and the days between steps.

    Reaching level 3 also means having reached levels 1 and 2, so the dates never go backwards. The gap is left empty
    when either date is known only to the month or year: counting days from the 1st of the month would invent them.
    """
    own = events[(events["actor"] == actor) & events["escalation_level"].notna()].sort_values(["date", "event_id"])
    if own.empty:
        raise ValueError(f"no event of actor {actor!r} has an escalation level: there are no steps to list")
    rows = []
    for level in range(1, int(own["escalation_level"].max()) + 1):
        first = own[own["escalation_level"] >= level].iloc[0]
        rows.append({"escalation_level": level, "date": first["date"], "date_precision": first["date_precision"],
                     "event_id": first["event_id"], "title": first["title"],
                     "reached_with_level": int(first["escalation_level"]), "claim_status": first["claim_status"]})
    steps = pd.DataFrame(rows)
    distinct = steps.drop_duplicates("event_id")  # one event can reach several levels at once: one step, one gap
    exact = distinct["date_precision"].eq("day")
    gaps = distinct["date"].diff().dt.days.astype("Int64").where(exact & exact.shift(fill_value=True))
    steps["days_since_previous_step"] = steps["event_id"].map(dict(zip(distinct["event_id"], gaps, strict=True)))
    return steps


UNVERIFIED = ("claimed", "denied")
"""Claim statuses drawn hollow and counted apart from verified rows in charts that add rows up."""


def month_of(rows: pd.DataFrame) -> pd.Series:
    """The calendar month of each row, missing for a row dated only to its year (it is in no month, not January)."""
    return rows["date"].dt.to_period("M").where(rows["date_precision"] != "year")


def monthly_counts(events: pd.DataFrame, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Verified events (confirmed or reported) per calendar month and ``by``, and unverified events (claimed, denied)
    per month with columns (claim status, ``by``), so a chart can draw each claim in its actor's colour and style.

    Both share one month index with months without events included. A row dated only to its year has no month: it is
    left out, and counted in each frame's ``attrs["year_dated"]`` for the caller to say so.
    """
    months = month_of(events)
    year_dated = int(months.isna().sum())
    events, months = events[months.notna()], months.dropna()
    if events.empty:
        raise ValueError(f"no events dated to a month or day to count by month (by {by!r})")
    full = pd.period_range(months.min(), months.max(), freq="M")
    unverified = events["claim_status"].isin(UNVERIFIED)
    verified = pd.crosstab(months[~unverified], events.loc[~unverified, by].astype("str")).reindex(full, fill_value=0)
    claims = events[unverified]
    claimed = pd.crosstab(months[unverified], [claims["claim_status"].astype("str"), claims[by].astype("str")]
                          ).reindex(full, fill_value=0)
    for frame in (verified, claimed):
        frame.attrs["year_dated"] = year_dated
    return verified, claimed


def vessel_strikes(strikes: pd.DataFrame) -> pd.DataFrame:
    return strikes[strikes["kind"] == "vessel_strike"].sort_values(["date", "strike_id"]).copy()


def happened_by(dates: pd.Series, precision: pd.Series, announced: pd.Series | None = None) -> pd.Series:
    """The last day each row can have happened: its date, the end of its month or year when only that is known, or the
    day it was announced when that is earlier (a strike dated to May and announced on 20 May happened by 20 May)."""
    ends = period_end(dates, precision)
    return ends if announced is None else ends.where(~(announced < ends), announced)


def placed_on(strikes: pd.DataFrame) -> pd.Series:
    """The day a strike is placed on a timeline (weeks, months): its date, or for one known only to its month or year the
    day it was announced when that is known (the strike fell between the period's start and its announcement, usually a
    day or two before it) but never past the period's end (one dated to May and disclosed on 2 June is May's), else the
    period's first day it is stored under."""
    counted, ends = counted_from(strikes), period_end(strikes["date"], strikes["date_precision"])
    return counted.where(counted <= ends, ends)


def counted_from(strikes: pd.DataFrame) -> pd.Series:
    """The first day a published tally can have counted a strike: its date, or for one known only to its month or year
    the day it was announced when that is known, even in a later month (else the period's first day)."""
    return strikes["date"].where((strikes["date_precision"] == "day") | strikes["announced_date"].isna(),
                                 strikes["announced_date"])


def weekly_strikes(strikes: pd.DataFrame) -> pd.DataFrame:
    """Strikes counted and deaths per week (Monday start) by theater and confidence, in ``<theater>_high``,
    ``<theater>_medium`` and ``<theater>_low`` columns, so charts can draw each level as the house rule says (high like
    confirmed, medium like reported, low like claimed) in its theater's colour. A strike known only to its month is counted in
    the week it was announced when that is known, or its month's last week if announced later (``placed_on``)."""
    vs = vessel_strikes(strikes)
    if vs.empty:
        raise ValueError("no vessel strikes in the strike table to count by week")
    vs["week"] = placed_on(vs).dt.to_period("W-SUN").dt.start_time
    theater = vs["theater"].astype("str")
    group = theater + "_" + vs["confidence"].astype("str")
    grouped = vs.groupby(["week", group])[["strikes_counted", "killed_best"]].sum()
    weeks = pd.date_range(vs["week"].min(), vs["week"].max(), freq="7D")
    wide = grouped.unstack(fill_value=0).reindex(weeks, fill_value=0)
    wide.index.name = "week"
    return wide


def running_totals(strikes: pd.DataFrame, announced: bool = False) -> pd.DataFrame:
    """Cumulative strikes, vessels, deaths and deaths plus presumed-dead survivors, one row per date.

    A strike known only to its month enters on the day it was announced when that is known (``counted_from``), not on
    the 1st it is stored under. ``announced``: every strike enters on the day it was announced (its ``counted_from``
    when no announcement day is recorded), the first day a published tally can have counted it."""
    vs = vessel_strikes(strikes)
    counted = ["strikes_counted", "vessels", "killed_best", "survivors_presumed_dead"]
    entered = vs["announced_date"].fillna(counted_from(vs)) if announced else counted_from(vs)
    daily = vs.groupby(entered.rename("date"))[counted].sum()
    totals = daily.cumsum()
    totals["killed_incl_presumed"] = totals["killed_best"] + totals["survivors_presumed_dead"]
    return totals


def _totals_at(totals: pd.DataFrame, days: pd.Series, before: bool) -> pd.DataFrame:
    """The running totals (``running_totals(...).reset_index()``) at the end of each of ``days``, or just before it;
    zero before the first strike. Indexed like ``days``, whatever its order."""
    unit = "datetime64[ns]"  # one resolution for both keys, whatever each frame was built with
    found = pd.merge_asof(days.astype(unit).rename("date").reset_index().sort_values("date"),
                          totals.astype({"date": unit}), on="date", direction="backward", allow_exact_matches=not before)
    return found.set_index("index").sort_index().fillna(0).astype({c: "int64" for c in totals.columns if c != "date"})


def reconcile(strikes: pd.DataFrame, estimates: pd.DataFrame,
              tolerance: int = RECONCILE_TOLERANCE) -> pd.DataFrame:
    """Every published boat-strike tally beside the dataset's running totals on its ``as_of`` day (or month, or year).
    A tally of a day may have been written before or after that day's strikes, or before a strike announced days later,
    so four totals are candidates: before the day and at its end (``compared_on``), counting each strike from its date
    or from the day it was announced. ``dataset_killed`` and ``dataset_killed_incl_presumed`` are the highest (at the
    end, by date), ``dataset_killed_before`` and ``dataset_killed_incl_presumed_before`` the lowest (strikes announced
    before the day).

    ``gap`` and ``gap_incl_presumed``: the tally minus the nearest candidate on each line (deaths at the time, and deaths
    plus survivors presumed dead). A tally reconciles when it is within ``tolerance`` deaths of a candidate on either
    line. Tallies that give only a bound ("over 200") are left out (counted in ``attrs["bound_only"]``; the floors among
    them that lie above both lines by more than ``tolerance``, in ``attrs["floors_above"]``), and so are partial counts
    (``PARTIAL_SCOPES``: military dead only, one nationality), which cannot match all the dead.
    """
    by_date = running_totals(strikes).reset_index()
    by_announcement = running_totals(strikes, announced=True).reset_index()
    tallies = estimates[(estimates["subject"] == "vessel_strike_campaign") & estimates["killed_best"].notna()
                        & ~estimates["scope"].isin(PARTIAL_SCOPES)]
    tallies = tallies.assign(compared_on=period_end(tallies["as_of"], tallies["as_of_precision"]))
    tallies = tallies.sort_values(["compared_on", "estimate_id"]).reset_index(drop=True)
    points = [_totals_at(by_announcement, tallies["as_of"], before=True),
              _totals_at(by_announcement, tallies["compared_on"], before=False),
              _totals_at(by_date, tallies["as_of"], before=True), _totals_at(by_date, tallies["compared_on"], before=False)]
    tally = tallies["killed_best"].astype("int64")

    def nearest_gap(column: str) -> pd.Series:  # the tally minus the nearest candidate total on one line
        gaps = pd.concat([tally - point[column] for point in points], axis=1)
        return pd.Series(gaps.to_numpy()[range(len(gaps)), gaps.abs().to_numpy().argmin(axis=1)], index=gaps.index,
                         dtype="int64")

    first, end = points[0], points[-1]
    out = pd.DataFrame({
        "estimate_id": tallies["estimate_id"], "as_of": tallies["as_of"], "as_of_precision": tallies["as_of_precision"],
        "compared_on": tallies["compared_on"], "publisher": tallies["publisher"], "tally_killed": tally,
        "dataset_killed_before": first["killed_best"], "dataset_killed": end["killed_best"],
        "dataset_killed_incl_presumed_before": first["killed_incl_presumed"],
        "dataset_killed_incl_presumed": end["killed_incl_presumed"],
        "gap": nearest_gap("killed_best"), "gap_incl_presumed": nearest_gap("killed_incl_presumed"),
        "tally_strikes": tallies["strikes"], "dataset_strikes": end["strikes_counted"],
        "includes_presumed_dead": tallies["includes_presumed_dead"],
    })
    out["reconciles"] = out[["gap", "gap_incl_presumed"]].abs().min(axis=1) <= tolerance
    bounds = estimates[(estimates["subject"] == "vessel_strike_campaign") & estimates["killed_best"].isna()
                       & ~estimates["scope"].isin(PARTIAL_SCOPES)]
    floors = bounds.dropna(subset=["killed_low"])
    floors = floors.assign(compared_on=period_end(floors["as_of"], floors["as_of_precision"])).reset_index(drop=True)
    highest = _totals_at(by_date, floors["compared_on"], before=False)["killed_incl_presumed"]
    out.attrs["bound_only"], out.attrs["floors"] = len(bounds), len(floors)  # floors: 'over N'; the rest 'up to N'
    # a floor ('over 200') beyond the higher running total by more than the tolerance: a toll the table cannot reach
    out.attrs["floors_above"] = int((floors["killed_low"].to_numpy() > highest.to_numpy() + tolerance).sum())
    out.attrs["tolerance"] = tolerance
    return out


def reconcile_fixes(rec: pd.DataFrame, documented: dict[str, tuple[int, int, int]]) -> list[str]:
    """What to change in the documented table of unreconciled tallies (estimate id -> tally, dataset at the time,
    dataset with presumed dead; data/README.md) so that it matches ``rec`` (from ``reconcile``), one instruction per
    row; empty when it matches."""
    computed = {r.estimate_id: (int(r.tally_killed), int(r.dataset_killed), int(r.dataset_killed_incl_presumed))
                for r in rec[~rec["reconciles"]].itertuples()}
    return ([f"add a row for {k} (tally / at the time / with presumed dead: {' / '.join(map(str, v))}) and say why it "
             "differs" for k, v in computed.items() if k not in documented]
            + [f"delete the row of {k}: it now reconciles" for k in documented if k not in computed]
            + [f"update the numbers of {k}: {' / '.join(map(str, documented[k]))} -> {' / '.join(map(str, v))}"
               for k, v in computed.items() if k in documented and documented[k] != v])


def reconcile_summary(rec: pd.DataFrame) -> str:
    """How many collected tallies match, in words: '56 of the 67 collected tallies that give a number match within 1
    death of a running total of their day (...); 2 more give only a bound and are not compared', or, when some of those
    are floors above both running totals (beyond the tolerance), how many (``rec`` from ``reconcile``)."""
    bound_only, floors, above = rec.attrs["bound_only"], rec.attrs["floors"], rec.attrs["floors_above"]
    text = (f"{int(rec['reconciles'].sum())} of the {len(rec)} collected tallies that give a number match within "
            f"{plural(rec.attrs['tolerance'], 'death')} of a running total of their day (deaths at the time, or with "
            "survivors presumed dead; before or after that day's strikes)")
    more = plural(bound_only, "more gives", "more give")
    if bound_only and not above:
        text += f"; {more} only a bound and {'is' if bound_only == 1 else 'are'} not compared"
    elif bound_only:
        if above == floors == bound_only:
            lie = {1: "it lies", 2: "both lie"}.get(above, "all lie")
        else:
            lie = f"{above} of them {'lies' if above == 1 else 'lie'}"
        what = "a floor ('over' a number)" if floors == bound_only else "a bound"
        text += f"; {more} only {what}, and {lie} above both running totals"
    return text


def survivors_fate_unknown(frame: pd.DataFrame) -> pd.Series:
    """Survivors of the first hit whose fate no source reports: survivors minus the rescued, the presumed dead and those
    killed by a follow-up strike (an empty count is none)."""
    return frame["survivors"].fillna(0) - frame[list(SURVIVOR_FATES)].fillna(0).sum(axis=1)


def theater_totals(strikes: pd.DataFrame) -> pd.DataFrame:
    """Vessel-strike totals by theater, with an all-theaters row. The survivors of the first hit split into rescued,
    presumed dead, killed by a follow-up strike (also counted in ``killed_best``) and ``survivors_fate_unknown``."""
    vs = vessel_strikes(strikes)
    cols = ["strikes_counted", "vessels", "killed_best", "survivors", "survivors_rescued", "survivors_presumed_dead",
            "survivors_killed"]
    table = vs.groupby(vs["theater"].astype("str"))[cols].sum()
    table.loc["all"] = table.sum()
    table["survivors_fate_unknown"] = survivors_fate_unknown(table)
    return table.astype("int64")


def raid_toll(strikes: pd.DataFrame) -> pd.Series:
    """The 3 January 2026 raid's death toll range (the first raid row); ValueError when strikes.csv has no raid row."""
    raids = strikes[strikes["kind"] == "raid"].sort_values(["date", "strike_id"])
    if raids.empty:
        raise ValueError("strikes.csv has no row of kind 'raid': the report's account of the 3 January 2026 raid needs one")
    return raids.iloc[0][["date", "killed_low", "killed_best", "killed_high", "confidence", "notes"]]


def later_overall_tolls(estimates: pd.DataFrame, raid_date: pd.Timestamp) -> str:
    """The span of the raid's overall death tolls (scope 'all') published after its first day, from the lowest figure
    any of them gives to the highest: '67 to 100'; '' when there is none."""
    later = estimates[(estimates["subject"] == "absolute_resolve_raid") & (estimates["scope"] == "all")
                      & (estimates["as_of"] > raid_date)]
    values = later[["killed_low", "killed_best", "killed_high"]].stack().dropna()
    return fmt_range(values.min(), None, values.max()) if len(values) else ""


LABELS = {"sanctions_economic": "economic sanctions", "sam_long": "long-range SAM", "sam_medium": "medium-range SAM",
          "sam_short": "short-range SAM", "manpads": "MANPADS", "anti_ship": "anti-ship", "ngo": "NGO",
          "days_final_offensive_to_fall": "days from the final push to the fall",
          "civilians_killed_by_russian_strikes": "civilians killed by Russian strikes",
          "wagner_contractors_estimate": "Wagner contractors", "deaths_in_final_operation": "deaths in the final operation",
          "russian_personnel_peak": "peak Russian personnel",
          "russian_aircraft_deployed": "Russia's own military aircraft in country",
          "russian_military_deaths": "Russian military deaths (incl. contractors)",
          "russian_mod_claimed_sorties": "sorties claimed by Russia's MoD",
          "un_security_council_vetoes": "Russian UN Security Council vetoes",
          "leader_fate": "the client leader's fate",
          "requested_military_aid_before_fall": "military aid requested before the fall",
          "russia_response_after_fall": "Russia's response after the fall",
          "what_russia_kept_after": "what Russia kept after the fall",
          "russian_oil_investment_usd": "Russian oil investment (USD bn)", "treaty_framework": "treaty framework",
          "years_of_russian_military_support": "years of direct combat intervention",
          "russian_bases": "Russian military bases",
          "sipri_tiv_russia_2000_2023": "Russian arms deliveries 2000-23 (SIPRI TIV, millions: a volume, not money)",
          "russian_loans_and_credit_usd": "Russian loans, oil prepayments and investment (USD bn, at least)",
          "arms_contract_value_usd": "Russian arms contracts (USD bn)",
          "russian_debt_written_off_usd": "Soviet-era debt written off (USD bn)"}
"""Reader-facing names for vocabulary values and comparison metrics whose id does not read well with spaces."""


def label(value: str) -> str:
    """A vocabulary value or metric id as a reader sees it: 'economic sanctions', 'arms support', 'MANPADS'."""
    return LABELS.get(value, value.replace("_", " "))


def per_month_text(counts: pd.Series) -> str:
    """Monthly counts (a Period index) as text, a run of three or more empty months said once: 'Jan 2026 43, Feb 2026 0,
    none from Mar to Jun 2026, Jul 2026 1' (a list that grows by a month of zeros each month after the record ends would
    bury its point)."""
    parts, run = [], []
    for month, n in [*counts.items(), (None, None)]:  # a sentinel closes the last run
        if n == 0:
            run.append(month)
            continue
        if len(run) >= 3:
            start = f"{run[0]:%b}" if run[0].year == run[-1].year else f"{run[0]:%b %Y}"
            parts.append(f"none from {start} to {run[-1]:%b %Y}")
        else:
            parts += [f"{m:%b %Y} 0" for m in run]
        run = []
        if month is not None:
            parts.append(f"{month:%b %Y} {n}")
    return ", ".join(parts)


def plural(n: int, word: str, many: str | None = None) -> str:
    """'1 strike', '3 strikes', '0 words'; ``many`` for irregular plurals."""
    return f"{n} {word if n == 1 else many or word + 's'}"


def how_many(share: float) -> str:
    """The word for a share ('all', 'most', 'half', 'a minority', 'none'), so that prose printed from the data follows it."""
    if share >= 1:
        return "all"
    if share > 0.5:
        return "most"
    if share == 0.5:
        return "half"
    return "a minority" if share > 0 else "none"


def comparison_value(comparison: pd.DataFrame, metric: str, case: str) -> pd.Series:
    row = comparison[(comparison["metric"] == metric) & (comparison["case"] == case)]
    if row.empty:
        raise KeyError(f"comparison.csv has no row for metric {metric!r}, case {case!r}")
    return row.iloc[0]


def fmt_date(date: pd.Timestamp, precision: str = "day") -> str:
    """A date as precise as it is known: '2 September 2025', 'June 2026', '2026' ('no date' for a missing one)."""
    if pd.isna(date):
        return "no date"
    if precision == "year":
        return f"{date:%Y}"
    return f"{date:%B %Y}" if precision == "month" else f"{date.day} {date:%B %Y}"


def fmt_range(low, best, high, unit: str = "") -> str:
    """A low/best/high triple as text: '83 (40 to 100)', '4,378 to 7,500', 'up to 400', 'at least 200', and
    '543 (low 116)' when a best value has one bound only (the bound is named, not turned into 'at least')."""
    def num(x):  # a decimal only below 100: '9.2' (USD bn), but '2,394' (TIV m), not a spurious '2,394.2'
        x = round(float(x), 1)  # first, so that 99.96 is '100', not '100.0'
        return f"{x:,.0f}" if x.is_integer() or abs(x) >= 100 else f"{x:,.1f}"
    has_low, has_best, has_high = pd.notna(low), pd.notna(best), pd.notna(high)
    if has_low and has_high:
        same = num(low) == num(high)  # as printed: 2,394.2 and 2,394.4 are one number
        bounds = f"{num(low)} to {num(high)}" if not same else ("" if has_best and num(best) == num(low) else num(low))
    elif has_high:
        bounds = f"high {num(high)}" if has_best else f"up to {num(high)}"
    elif has_low:
        bounds = f"low {num(low)}" if has_best else f"at least {num(low)}"
    else:
        bounds = ""
    if has_best:
        text = num(best) + (f" ({bounds})" if bounds else "")
    else:
        text = bounds or "unknown"
    return f"{text} {unit}".strip()


def rests_on_claim(comparison: pd.DataFrame) -> pd.Series:
    """Comparison rows whose number rests, wholly or at one end of its range, on a claim nobody verified: the unit says
    so ('(claimed)') or the text names who claimed a value ('claimed by')."""
    return (comparison["unit"].str.contains("claim", case=False, na=False)
            | comparison["value_text"].str.contains("claimed by", case=False, na=False))


def comparison_text(row: pd.Series, brief: bool = False) -> str:
    """A comparison.csv row as text: its number(s) with the unit, then its text ('4,378 to 7,500 personnel; at the
    peak'); without a number, the text alone, or 'no number'. ``brief`` (for a sentence that compares two rows): the
    number(s) without unit or text; without a number, the text's first clause if at most 50 characters (its first letter
    lower-cased unless it opens an acronym; a clause cut inside a parenthesis ends before it)."""
    number = fmt_range(row["value_low"], row["value_best"], row["value_high"])
    text = str(row["value_text"]) if pd.notna(row["value_text"]) else ""
    if brief:
        if number != "unknown":
            return number
        first = text.split(";")[0]
        if first.count("(") > first.count(")"):  # the clause ends inside a parenthesis: stop before it
            first = first[:first.rindex("(")].rstrip(" ,:")
        if first[1:2].islower():  # a word, not an acronym or a name in capitals ('SNHR', 'BBC')
            first = first[0].lower() + first[1:]
        return first if 0 < len(first) <= 50 else "no number"
    if number == "unknown":
        return text or "no number"
    unit = str(row["unit"]) if pd.notna(row["unit"]) else ""
    return f"{number} {unit}".strip() + (f"; {text}" if text else "")


def event_line(row, *tags: str) -> str:
    """One event as a reader line: '- 3 January 2026 [Russia, statement, confirmed] Title' (the date at its precision,
    then the tags given, then how sure the row is)."""
    return (f"- {fmt_date(row.date, row.date_precision)} [{', '.join([*tags, str(row.claim_status)])}] {row.title}")


def reader_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame printed for readers: 'dataset_killed_incl_presumed' becomes 'dataset killed with presumed'."""
    return frame.rename(columns=lambda c: c.replace("_", " ").replace("incl ", "with "))


def newest_strike(strikes: pd.DataFrame) -> str:
    """The newest strike's date, with how sure its record is when that is not high, and the newest record of each surer
    grade that is newer than the next grade's: '21 June 2026 (low confidence; newest medium-confidence strike: June 2026;
    newest high-confidence strike: 8 March 2026)'. A finding that force went on rests on those records."""
    last = newest_row(strikes)
    text = fmt_date(last["date"], last["date_precision"])
    if last["confidence"] == "high":
        return text
    by = happened_by(strikes["date"], strikes["date_precision"], strikes.get("announced_date"))
    notes, above = [], pd.NaT
    for grade in {"low": ["high", "medium"], "medium": ["high"]}[last["confidence"]]:  # the surer grades, surest first
        rows = strikes[strikes["confidence"] == grade]
        if rows.empty or by[rows.index].max() <= above:  # said only when newer than the newest of the grade above
            continue
        above, row = by[rows.index].max(), newest_row(rows)
        notes.insert(0, f"; newest {grade}-confidence strike: {fmt_date(row['date'], row['date_precision'])}")
    return text + f" ({last['confidence']} confidence" + "".join(notes) + ")"


def newest_row(rows: pd.DataFrame) -> pd.Series:
    """The strike or event that can have happened last: by the last day each can have happened (a strike dated to June
    and announced on the 18th is newer than one of the 10th); on the same day the surest strike record (a low-confidence
    twin of a confirmed strike needs no caveat), then the id, so that row order never decides."""
    order = rows.assign(by=happened_by(rows["date"], rows["date_precision"], rows.get("announced_date")))
    keys = ["by"]
    if "confidence" in rows:
        order["sure"] = rows["confidence"].map({"low": 0, "medium": 1, "high": 2}).astype("int64")
        keys.append("sure")
    return order.sort_values([*keys, "strike_id" if "strike_id" in rows else "event_id"]).iloc[-1]


def low_confidence_note(vessel_strikes: pd.DataFrame) -> str:
    """What of the strike totals rests on low-confidence records (weak sites only), as a sentence; '' when nothing."""
    unknown = survivors_fate_unknown(vessel_strikes)
    low = vessel_strikes["confidence"] == "low"
    if not low.any():
        return ""
    rows, firm = vessel_strikes[low], vessel_strikes[~low]
    return (f" Low-confidence records (weak sites only) account for {plural(int(rows['strikes_counted'].sum()), 'strike')}, "
            f"{int(rows['killed_best'].sum())} deaths and {int(rows['survivors'].sum())} survivors of these totals"
            + (f", including {int(unknown[low].sum())} of the {int(unknown.sum())} survivors whose fate was not reported"
               if unknown[low].sum() else "")
            + f"; some may repeat another strike, so the firmest floor leaves them out: at least "
            f"{plural(int(firm['strikes_counted'].sum()), 'strike')} and {int(firm['killed_best'].sum())} deaths.")


# --------------------------------------------------------------------------- chapter 4 and 5: responses and countdowns


def kind_mix(events: pd.DataFrame) -> dict[str, int]:
    """Words, deeds, the deeds that are only claimed or were denied, those only reported (not confirmed), and the
    confirmed or reported deeds that moved or used forces, with how many of those are only reported (all also counted
    in deeds)."""
    deeds = events["kind"] == "deeds"
    unverified = events["claim_status"].isin(UNVERIFIED)
    reported = events["claim_status"] == "reported"
    force = events["category"].isin(FORCE)
    return {"words": int((~deeds).sum()), "deeds": int(deeds.sum()), "unverified_deeds": int((deeds & unverified).sum()),
            "reported_deeds": int((deeds & reported).sum()), "force_deeds": int((force & ~unverified).sum()),
            "reported_force_deeds": int((force & reported).sum())}


def established(steps: pd.DataFrame) -> pd.DataFrame:
    """The steps confirmed or reported: claims and denials are left out of every share of words and deeds."""
    return steps[~steps["claim_status"].isin(UNVERIFIED)]


def established_deeds(deeds: pd.DataFrame) -> pd.DataFrame:
    """The deeds confirmed or reported, pull-outs aside: claims nobody verified and withdrawals (``military_withdrawal``,
    acts that run against commitment) left out. Not all of them are help: a flight of unknown cargo is among them."""
    deeds = established(deeds)
    return deeds[deeds["category"] != "military_withdrawal"]


def by_category(deeds: pd.DataFrame) -> str:
    """'strike 3' or 'agreement 4, other 3': how many deeds of each category, most first, for printing."""
    counts = deeds["category"].astype("str").value_counts()
    return ", ".join(f"{label(category)} {n}" for category, n in counts.items())


def deed_mix(deeds: pd.DataFrame) -> str:
    """What a count of deeds holds besides the established ones (``established_deeds``), for printing after it:
    ' (1 only claimed or denied, 1 pull-out)', or '' when nothing."""
    unverified = deeds["claim_status"].isin(UNVERIFIED)
    claimed, pullouts = int(unverified.sum()), int(((deeds["category"] == "military_withdrawal") & ~unverified).sum())
    parts = ([f"{claimed} only claimed or denied"] if claimed else []) + ([plural(pullouts, "pull-out")] if pullouts else [])
    return f" ({', '.join(parts)})" if parts else ""


def agreement_note(deeds: pd.DataFrame) -> str:
    """'; 3 of the 4 agreement deeds are stages of 1 accord ...' when some agreement deeds are stages of one act: every
    stage of an accord (signing, submission to parliament, ratification, signing into law) is a row, and a later stage
    names the first in ``part_of``, so one treaty can be several deeds."""
    steps = deeds[deeds["category"] == "agreement"]
    acts = steps["part_of"].fillna(steps["event_id"]).value_counts()
    staged = acts[acts > 1]
    share = f"all {len(steps)}" if staged.sum() == len(steps) else f"{staged.sum()} of the {len(steps)}"
    return (f"; {share} agreement deeds are stages of {plural(len(staged), 'accord')} (each step of an accord, from its "
            "signing to its ratification or entry into force, is a row)" if len(staged) else "")


def status_note(rows: pd.DataFrame) -> str:
    """' (2 reported)' or ' (1 confirmed, 1 claimed)': how sure the rows are, for printing after their count."""
    counts = rows["claim_status"].value_counts(sort=False)  # in the vocabulary's order: confirmed first
    return f" ({', '.join(f'{n} {status}' for status, n in counts[counts > 0].items())})" if len(rows) else ""


def months_after(events: pd.DataFrame, day: pd.Timestamp, months: int = 2) -> int:
    """How many of ``events`` (all on or after ``day``) fall in the ``months`` months after it: how much of an open-ended
    'since' window the record actually covers."""
    return int((events["date_end"] < day + pd.DateOffset(months=months)).sum())


def split_at(events: pd.DataFrame, day: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Rows surely before ``day``, rows on or after it, and rows that may be either (dated only to a month or year
    that contains ``day``): a month-dated row is never put on one side by its 1st."""
    before = events["date_end"] < day
    after = events["date"] >= day
    return events[before], events[after], events[~before & ~after]


CONCRETENESS = ("strike", "military_deployment", "arms_support", "basing", "agreement", "other", "sanctions_economic",
                "military_withdrawal")
"""How concrete a commitment a deed is, most concrete first: force used (strikes), then forces and arms, then bases, then
binding paper (agreements), then other acts (flags, flights, fuel: often of unknown purpose), then sanctions, and last
withdrawals, which run against commitment. An analytic ordering, stated wherever it is used."""


def most_concrete(events: pd.DataFrame) -> pd.Series:
    """The most concrete of the best-established deeds: confirmed before reported before claimed or denied, then by
    CONCRETENESS, then earliest (a single-outlet report never outranks a confirmed act)."""
    deeds = events[events["category"].isin(CONCRETENESS)].copy()
    deeds["rank"] = deeds["category"].astype("str").map({c: i for i, c in enumerate(CONCRETENESS)})
    deeds["certainty"] = deeds["claim_status"].astype("str").map({"confirmed": 0, "reported": 1}).fillna(2)
    return deeds.sort_values(["certainty", "rank", "date"]).iloc[0]


def responses_within(triggers: pd.DataFrame, responses: pd.DataFrame, days: int = 14) -> pd.DataFrame:
    """For each trigger event, the response events dated within ``days`` days after it (same day included).

    A response counts only when its whole date period lies in the window: one known only to its month or year is in
    no window (a caller lists such rows apart). Windows of triggers less than ``days`` apart overlap: ``event_ids``
    lets a caller count an event once."""
    rows = []
    ends = period_end(responses["date"], responses["date_precision"])
    for _, trigger in triggers.sort_values("date").iterrows():
        window = responses[(responses["date"] >= trigger["date"]) & (ends <= trigger["date"] + pd.Timedelta(days=days))]
        rows.append({"date": trigger["date"], "date_precision": trigger["date_precision"],
                     "turning_point": trigger["title"] if pd.isna(trigger["milestone"]) else trigger["milestone"],
                     "responses": len(window), **kind_mix(window), "event_ids": tuple(window["event_id"]),
                     "what": " | ".join(window["title"]) if len(window) else "(nothing recorded)"})
    return pd.DataFrame(rows)


def window_mix(events: pd.DataFrame, windows: dict[str, tuple[str, str, str]], actor: str = "russia") -> pd.DataFrame:
    """Words and deeds by one actor in named windows: {label: (case, start, end)}, with each window's most concrete deed,
    its length in days and the rows of any actor collected in it (``rows_collected``: how closely it was covered).

    A row counts in a window when its whole date period lies inside it (a month-dated row is not placed by its 1st)."""
    rows = []
    for label, (case, start, end) in windows.items():
        inside = case_events(events, case)
        inside = inside[(inside["date"] >= start) & (inside["date_end"] <= end)]
        own = inside[inside["actor"] == actor]
        concrete = own[own["category"].isin(CONCRETENESS)]
        rows.append({"window": label, **kind_mix(own), "days": (pd.Timestamp(end) - pd.Timestamp(start)).days + 1,
                     "rows_collected": len(inside), "deed_titles": " | ".join(own.loc[own["kind"] == "deeds", "title"]),
                     "most_concrete": most_concrete(concrete)[["title", "claim_status"]] if len(concrete) else None})
    return pd.DataFrame(rows).set_index("window")


def days_before(events: pd.DataFrame, fall: pd.Timestamp) -> pd.Series:
    """Days relative to the client's fall (negative = before)."""
    return (events["date"] - fall).dt.days


# --------------------------------------------------------------------------- chapter 0: coverage and provenance

MAIN_DATE = {"events": "date", "strikes": "date", "casualty_estimates": "as_of", "weapon_systems": "status_as_of",
             "comparison": "as_of", "arms_transfers": "year", "sources": "published"}
PRECISION = {"date": "date_precision", "as_of": "as_of_precision", "status_as_of": "status_as_of_precision"}
"""The column that says how precisely a main date is known, where a table has one."""
EVENT_FIELDS = ["event_id", "date", "date_precision", "actor", "category", "escalation_level", "claim_status", "milestone",
                "title"]
"""The events.csv columns a figure's data file gives for each event it draws (the id leads back to the row's sources)."""
CERTAINTY = {"events": "claim_status", "strikes": "confidence", "weapon_systems": "status_claim"}
TOP_CERTAINTY = {"events": "confirmed", "strikes": "high", "weapon_systems": "confirmed"}
ID_COLUMNS = {"events": "event_id", "strikes": "strike_id", "casualty_estimates": "estimate_id",
              "weapon_systems": "system_id", "arms_transfers": ["supplier", "recipient", "year"],
              "comparison": ["metric", "case"]}


def main_dates(tables: dict[str, pd.DataFrame], name: str) -> pd.Series:
    column = tables[name][MAIN_DATE[name]]
    if name == "arms_transfers":
        return pd.to_datetime(column.astype("str") + "-01-01")
    return column


def main_precision(tables: dict[str, pd.DataFrame], name: str) -> pd.Series:
    """How precisely each row's main date is known (day, month or year): its precision column where the table has one,
    else the year for SIPRI's register (dated by year) and the day for the rest."""
    column = PRECISION.get(MAIN_DATE[name], "")
    if column in tables[name]:
        return tables[name][column].astype("str")
    return pd.Series("year" if MAIN_DATE[name] == "year" else "day", index=tables[name].index)


def rows_per_month(tables: dict[str, pd.DataFrame], name: str, months: pd.PeriodIndex) -> pd.Series:
    """A table's rows per calendar month of its main date, over ``months`` (0 in a month without rows). A row dated only
    to its year is in no month (``month_of``), not January's: ``attrs["year_dated"]`` counts those of the years the
    months span, for the caller to say so."""
    dates = main_dates(tables, name)
    month = month_of(pd.DataFrame({"date": dates, "date_precision": main_precision(tables, name)}))
    counts = month.value_counts().reindex(months, fill_value=0)
    in_span = dates.dt.year.between(months.min().year, months.max().year)
    counts.attrs["year_dated"] = int((month.isna() & in_span).sum())
    return counts


def coverage(tables: dict[str, pd.DataFrame], as_of: pd.Timestamp) -> pd.DataFrame:
    """Rows, first and newest date, and the days from the newest row to data_as_of, per table. A date known only to the
    month or year counts from that period's end (SIPRI's 2024 deliveries run to 31 December 2024, a tally dated June 2026
    to 30 June), or from the day it was announced if earlier; ``first_precision`` and ``last_precision`` say how
    precisely the first and the newest row are dated."""
    rows = []
    for name in MAIN_DATE:
        dates, precision = main_dates(tables, name), main_precision(tables, name)
        ends = happened_by(dates, precision, tables[name].get("announced_date"))
        if ends.isna().all():  # a table whose date column is optional and empty in every row: no span to give
            rows.append({"table": name, "rows": len(tables[name]), "dated_by": MAIN_DATE[name], "first": pd.NaT,
                         "first_precision": "", "last": pd.NaT, "last_precision": "", "days_last_to_as_of": pd.NA})
            continue
        newest = ends.idxmax()
        first = dates.idxmin()
        rows.append({"table": name, "rows": len(tables[name]), "dated_by": MAIN_DATE[name], "first": dates[first],
                     "first_precision": precision[first], "last": dates[newest], "last_precision": precision[newest],
                     "days_last_to_as_of": (as_of - ends[newest]).days})
    return pd.DataFrame(rows).set_index("table")


def row_label(frame: pd.DataFrame, name: str) -> pd.Series:
    key = ID_COLUMNS[name]
    if isinstance(key, str):
        return frame[key].astype("str")
    return frame[key].astype("str").agg("/".join, axis=1)


def citations(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per (table, row, source) citation, with the source's type, its independence key (``outlet``: the original
    outlet of a syndicated copy; empty for an aggregator copy that names none, which may copy an outlet already cited and
    so never counts as an outlet of its own), and whether the copy is attributed (not an aggregator copy, or one that
    names its original outlet)."""
    sources = tables["sources"].set_index("source_id")
    independent = sources["original_publisher"].fillna(sources["publisher"]).str.strip().str.lower()
    parts = []
    for name in ID_COLUMNS:
        frame = tables[name]
        ids = frame["source_ids"].str.split(LIST_SEPARATOR)
        part = pd.DataFrame({"table": name, "row": row_label(frame, name), "source_id": ids}).explode("source_id")
        parts.append(part)
    cites = pd.concat(parts, ignore_index=True)
    cites["source_type"] = cites["source_id"].map(sources["source_type"].astype("str"))
    cites["attributed"] = (cites["source_type"] != "aggregator") | cites["source_id"].map(
        sources["original_publisher"].notna())
    cites["outlet"] = cites["source_id"].map(independent).where(cites["attributed"])
    return cites


def _per_row_provenance(cites: pd.DataFrame) -> pd.DataFrame:
    """Per (table, row): number of independent outlets, whether every source is an aggregator copy, whether no copy
    names its original outlet either (unattributed: the weakest provenance), and whether an official record is cited."""
    cites = cites.assign(is_aggregator=cites["source_type"] == "aggregator", is_official=cites["source_type"] == "official")
    per_row = cites.groupby(["table", "row"]).agg(outlets=("outlet", "nunique"), aggregator_only=("is_aggregator", "all"),
                                                  attributed=("attributed", "any"), official=("is_official", "any"))
    return per_row.assign(unattributed=~per_row["attributed"]).drop(columns="attributed")


def top_rows_under_two_outlets(tables: dict[str, pd.DataFrame], per_row: pd.DataFrame | None = None) -> pd.DataFrame:
    """Rows marked with the top certainty (confirmed, high) that rest on fewer than two independent outlets and cite no
    official record: the labels to re-check first. Words (statements, diplomatic contacts) are left out: a speaker's own
    words, reported, count as acknowledged by the acting party (data/README.md)."""
    per_row = _per_row_provenance(citations(tables)) if per_row is None else per_row
    parts = []
    for name, column in CERTAINTY.items():
        frame = tables[name]
        top = frame[column] == TOP_CERTAINTY[name]
        if "category" in frame:
            top &= ~frame["category"].isin(WORDS)
        mine = per_row.loc[name].reindex(row_label(frame, name)[top])
        parts.append(pd.DataFrame({"table": name, "row": mine.index[(mine["outlets"] < 2) & ~mine["official"]]}))
    return pd.concat(parts, ignore_index=True)


def audit(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Provenance per table: rows, share with 2+ independent outlets, aggregator-only rows, claimed-only rows, and rows
    at the top certainty that rest on fewer than two outlets (``top_rows_under_two_outlets``)."""
    cites = citations(tables)
    per_row = _per_row_provenance(cites)
    top_under_two_count = top_rows_under_two_outlets(tables, per_row)["table"].value_counts()
    rows = []
    for name in ID_COLUMNS:
        mine = per_row.loc[name]
        certainty = CERTAINTY.get(name)
        claimed = int(tables[name][certainty].isin(["claimed", "low"]).sum()) if certainty else 0
        rows.append({"table": name, "rows": len(mine), "two_plus_outlets": (mine["outlets"] >= 2).mean(),
                     "aggregator_only_rows": int(mine["aggregator_only"].sum()),
                     "unattributed_rows": int(mine["unattributed"].sum()), "claimed_or_low_rows": claimed,
                     "top_under_two_outlets_rows": int(top_under_two_count.get(name, 0))})
    table = pd.DataFrame(rows).set_index("table")
    cited = set(cites["source_id"])
    table.attrs["uncited_sources"] = sorted(set(tables["sources"]["source_id"]) - cited)
    return table


def tally_provenance(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Per casualty estimate (index: ``estimate_id``): whether it rests only on aggregator copies (``reposts_only``),
    whether none of its sources carries a publication date (``undated``), and the publishers it was read in (``via``)."""
    cites = citations(tables)
    cites = cites[cites["table"] == "casualty_estimates"]
    sources = tables["sources"].set_index("source_id")
    by_row = cites.assign(published=cites["source_id"].map(sources["published"]),
                          publisher=cites["source_id"].map(sources["publisher"])).groupby("row")
    frame = pd.DataFrame({"reposts_only": by_row["source_type"].agg(lambda types: bool((types == "aggregator").all())),
                          "undated": by_row["published"].agg(lambda dates: bool(dates.isna().all())),
                          "via": by_row["publisher"].agg(lambda names: ", ".join(dict.fromkeys(names)))})
    return frame.rename_axis("estimate_id")


def aggregator_only_rows(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows whose every source is an aggregator copy, flagged ``unattributed`` when no copy names its original."""
    per_row = _per_row_provenance(citations(tables))
    return per_row[per_row["aggregator_only"]].reset_index()[["table", "row", "unattributed"]]


AUDIT_HEADERS = {"rows": "rows", "two_plus_outlets": "2+ outlets", "aggregator_only_rows": "copies only",
                 "unattributed_rows": "unattributed", "claimed_or_low_rows": "claimed or low",
                 "top_under_two_outlets_rows": "top label, <2 outlets"}
AUDIT_NOTE = ("2+ outlets: share of rows cited by two or more independent outlets of any standing (a syndicated copy "
              "counts as its original outlet, a copy that names none as no outlet; SIPRI's series count as one); copies "
              "only: rows resting only on aggregator copies; unattributed: of those, the rows whose copies name no "
              "original outlet; top label, <2 outlets: rows other than statements marked confirmed or high on fewer "
              "than two outlets and no official record")


def audit_for_readers(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The provenance audit (:func:`audit`) with reader headers and its share as a percentage, as printed by
    ``check --audit``, chapter 0 and the README (``attrs`` kept)."""
    table = audit(tables)
    shown = table.assign(two_plus_outlets=table["two_plus_outlets"].map("{:.0%}".format))
    return shown.rename(columns=AUDIT_HEADERS).rename_axis("table")
