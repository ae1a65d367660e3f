//! Trend: the results of many batches → how scores, agents and rules move from one day, week or
//! month to the next.
//!
//! In: results JSONL lines (`zhijian.call.v1`, each carrying its call's `date`), from any number
//! of files, one line at a time. Out: a [`Trend`]: per period the score distribution, tier shares
//! and flagged share; per agent its mean score and flagged share per period; per rule its firing
//! rate per period; each with the change from the period before the latest, and the agents and
//! rules that moved most. `report::trend` draws and tabulates it.
//!
//! A call graded twice — the same calls graded again after a rule change, from wherever they
//! were read — counts once, as the file given later has it: a call is its `call_id`, its day and
//! its words (a fingerprint of the turns). The id alone is not enough: ids made from file names,
//! `calls.jsonl#1`, repeat from one day's export to the next; and the source path changes with
//! the folder a run starts in. Each call is kept as a record of a few dozen bytes with its agent
//! and rules interned, so a quarter of a large hotline's results fits in memory; a results line
//! is never kept.
//!
//! Periods run from the first call's to the last call's without gaps: a week nobody graded is
//! drawn empty rather than left out, so that the axis keeps time. "The change" is from the last
//! period with calls before the latest to the latest.
//!
//! Quantiles are Excel's `PERCENTILE.INC` (linear between the two nearest scores), so that a
//! QA lead who checks the page against a spreadsheet gets the same median.
//!
//! A rule's firing rate is the share of the calls it applied to (scored, and not N/A on their
//! channel) that it hit at least once. Means and quantiles are over scored calls; calls that
//! could not be read are counted apart.

use std::collections::{BTreeMap, HashMap};

use jiff::civil::{Date, Weekday};
use serde::Deserialize;

use crate::rescore::RescoreError;

/// The periods a trend is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Day,
    /// ISO weeks, Monday to Sunday, as Chinese calendars count them.
    Week,
    Month,
}

impl Period {
    /// The period to draw a span of days in when the user did not say: days for up to a month,
    /// weeks for up to half a year, months beyond; a chart of more than about 30 points is hard
    /// to read.
    pub fn fitting(first: Date, last: Date) -> Period {
        let days = (last - first).get_days();
        if days <= 31 {
            Period::Day
        } else if days <= 26 * 7 {
            Period::Week
        } else {
            Period::Month
        }
    }

    /// The first day of the period `day` is in.
    pub fn start(self, day: Date) -> Date {
        match self {
            Period::Day => day,
            Period::Week => day
                .checked_sub(
                    jiff::Span::new().days(i64::from(day.weekday().to_monday_zero_offset())),
                )
                .unwrap_or(day),
            Period::Month => day.first_of_month(),
        }
    }

    /// The first day of the period after the one starting on `start`.
    pub fn next(self, start: Date) -> Option<Date> {
        let span = match self {
            Period::Day => jiff::Span::new().days(1),
            Period::Week => jiff::Span::new().weeks(1),
            Period::Month => jiff::Span::new().months(1),
        };
        start.checked_add(span).ok()
    }

    /// `2026-12-05`, `2026-W49` (ISO week), `2026-12`.
    pub fn label(self, start: Date) -> String {
        match self {
            Period::Day => start.to_string(),
            Period::Week => {
                let w = start.iso_week_date();
                format!("{}-W{:02}", w.year(), w.week())
            }
            Period::Month => format!("{}-{:02}", start.year(), start.month()),
        }
    }

    /// The days a period covers, for a reader who does not count ISO weeks: `12-01–12-07`, or
    /// the day of the week (`周六`) of a day.
    pub fn covers(self, start: Date) -> String {
        match self {
            Period::Day => weekday_zh(start.weekday()).to_string(),
            Period::Week => {
                let end = start
                    .checked_add(jiff::Span::new().days(6))
                    .unwrap_or(start);
                format!(
                    "{:02}-{:02}–{:02}-{:02}",
                    start.month(),
                    start.day(),
                    end.month(),
                    end.day()
                )
            }
            Period::Month => format!("{} 天", start.days_in_month()),
        }
    }

    /// 日, 周, 月.
    pub fn zh(self) -> &'static str {
        match self {
            Period::Day => "日",
            Period::Week => "周",
            Period::Month => "月",
        }
    }
}

impl std::str::FromStr for Period {
    type Err = String;

    fn from_str(s: &str) -> Result<Period, String> {
        match s {
            "day" | "日" | "天" => Ok(Period::Day),
            "week" | "周" => Ok(Period::Week),
            "month" | "月" => Ok(Period::Month),
            _ => Err(format!(
                "不认识的周期 {s}: 可用 day (日)、week (周)、month (月)"
            )),
        }
    }
}

fn weekday_zh(d: Weekday) -> &'static str {
    match d {
        Weekday::Monday => "周一",
        Weekday::Tuesday => "周二",
        Weekday::Wednesday => "周三",
        Weekday::Thursday => "周四",
        Weekday::Friday => "周五",
        Weekday::Saturday => "周六",
        Weekday::Sunday => "周日",
    }
}

/// What a trend needs of one results line.
#[derive(Debug, Deserialize)]
pub struct TrendLine {
    call_id: String,
    agent: Option<String>,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    date_from: Option<String>,
    score: Option<u8>,
    tier: Option<String>,
    flagged: bool,
    hit_counts: BTreeMap<String, usize>,
    #[serde(default)]
    hits: Vec<TitleLine>,
    #[serde(default)]
    not_applicable: Vec<String>,
    #[serde(default)]
    scoring: Option<TiersLine>,
    #[serde(default)]
    turns: Vec<TurnLine>,
    /// Where it was read: file and line.
    #[serde(skip)]
    at: String,
}

#[derive(Debug, Deserialize)]
struct TurnLine {
    role: String,
    text: String,
}

#[derive(Debug, Deserialize)]
struct TitleLine {
    rule_id: String,
    rule_title: String,
}

#[derive(Debug, Deserialize)]
struct TiersLine {
    tiers: Vec<(String, i32)>,
    #[serde(default)]
    rules: BTreeMap<String, PointsLine>,
}

#[derive(Debug, Deserialize)]
struct PointsLine {
    points: i32,
}

/// One results line for a trend; `at` names it in messages.
pub fn parse(text: &str, at: &str) -> Result<TrendLine, RescoreError> {
    let value = crate::rescore::results_value(text, at)?;
    let mut line: TrendLine = serde_json::from_value(value).map_err(|e| RescoreError::Bad {
        at: at.to_string(),
        message: format!("质检结果的字段不完整或类型不对: {e}"),
    })?;
    line.at = at.to_string();
    Ok(line)
}

/// A call as a trend keeps it.
#[derive(Debug)]
struct Record {
    day: Date,
    agent: u32,
    /// `None` for a call that could not be read.
    score: Option<u8>,
    /// Index into the tiers.
    tier: Option<u8>,
    flagged: bool,
    /// The rules that hit, interned.
    fired: Box<[u32]>,
    /// The rules not applicable to its channel, as one interned set.
    not_applicable: u32,
    from: Source,
}

/// Where the days of the calls came from, for the report's footnote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DateSources {
    /// `zhijian grade --date`.
    pub given: usize,
    /// The calls' own metadata.
    pub meta: usize,
    /// The day they were graded: the user may want `--date`.
    pub graded: usize,
}

/// Results lines, added one by one, and then summed up in periods.
#[derive(Debug, Default)]
pub struct Builder {
    records: Vec<Record>,
    /// (call_id, day, fingerprint of the turns) → index in `records`. The day is `None` for a
    /// call dated only by its grading: graded again another day, it is still the same call.
    seen: HashMap<(Box<str>, Option<Date>, u32), usize>,
    agents: Interner,
    rules: Interner,
    not_applicable: Interner,
    titles: HashMap<u32, String>,
    /// Rules that earn points rather than cost them, as the results' scoring has them.
    bonuses: std::collections::HashSet<u32>,
    tiers: Vec<String>,
    /// Lines without a `date`: written by a zhijian older than trends.
    pub undated: usize,
    /// Calls that could not be read and have no day but their grading's: no period is theirs.
    pub unread_undated: usize,
    /// Lines that replaced an earlier line of the same call.
    pub replaced: usize,
}

/// Where a kept call's day came from.
#[derive(Debug, Clone, Copy)]
enum Source {
    Given,
    Meta,
    Graded,
}

#[derive(Debug, Default)]
struct Interner {
    ids: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    fn id(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.ids.get(name) {
            return id;
        }
        let id = self.names.len() as u32;
        self.ids.insert(name.to_string(), id);
        self.names.push(name.to_string());
        id
    }
}

impl Builder {
    /// Adds one call; a line without a date is counted in [`Builder::undated`] and left out.
    pub fn add(&mut self, line: TrendLine) -> Result<(), RescoreError> {
        let at = line.at.as_str();
        let Some(date) = line.date.as_deref() else {
            self.undated += 1;
            return Ok(());
        };
        let day = date
            .parse::<Date>()
            .ok()
            .filter(|d| (2000..2100).contains(&d.year()))
            .ok_or_else(|| RescoreError::Bad {
                at: at.to_string(),
                message: format!("date 不是 2000–2099 年间的日期: {date}"),
            })?;
        let from = match line.date_from.as_deref() {
            Some("given") => Source::Given,
            Some(m) if m.starts_with("meta:") => Source::Meta,
            _ => Source::Graded,
        };
        // An unreadable input with no day of its own says nothing about any day's service.
        if line.score.is_none() && matches!(from, Source::Graded) {
            self.unread_undated += 1;
            return Ok(());
        }
        if let Some(s) = &line.scoring {
            for (name, _) in &s.tiers {
                if !self.tiers.contains(name) {
                    self.tiers.push(name.clone());
                }
            }
            for (id, w) in &s.rules {
                if w.points > 0 {
                    let id = self.rules.id(id);
                    self.bonuses.insert(id);
                }
            }
        }
        let tier = match &line.tier {
            Some(t) => {
                let i = match self.tiers.iter().position(|n| n == t) {
                    Some(i) => i,
                    None => {
                        self.tiers.push(t.clone());
                        self.tiers.len() - 1
                    }
                };
                Some(u8::try_from(i).map_err(|_| RescoreError::Bad {
                    at: at.to_string(),
                    message: "档位超过 256 个".into(),
                })?)
            }
            None => None,
        };
        // The title as the latest file has it: a rule renamed since is shown by its new name.
        for h in &line.hits {
            let id = self.rules.id(&h.rule_id);
            self.titles.insert(id, h.rule_title.clone());
        }
        let fired: Box<[u32]> = line
            .hit_counts
            .iter()
            .filter(|(_, &n)| n > 0)
            .map(|(id, _)| self.rules.id(id))
            .collect();
        let mut na = line.not_applicable.clone();
        na.sort();
        let not_applicable = self.not_applicable.id(&na.join("\u{1f}"));
        let record = Record {
            day,
            from,
            agent: self.agents.id(line
                .agent
                .as_deref()
                .unwrap_or(crate::report::UNKNOWN_AGENT)),
            score: line.score,
            tier,
            flagged: line.flagged,
            fired,
            not_applicable,
        };
        let words = crate::verdict::fingerprint(
            line.turns
                .iter()
                .map(|t| (t.role.as_str(), t.text.as_str())),
        );
        let words = u32::from_str_radix(&words, 16).expect("a fingerprint is eight hex digits");
        let day_of_its_own = (!matches!(from, Source::Graded)).then_some(day);
        let key = (line.call_id.into_boxed_str(), day_of_its_own, words);
        match self.seen.get(&key) {
            Some(&i) => {
                self.records[i] = record;
                self.replaced += 1;
            }
            None => {
                self.seen.insert(key, self.records.len());
                self.records.push(record);
            }
        }
        Ok(())
    }

    /// Calls kept (after replacing repeats).
    pub fn calls(&self) -> usize {
        self.records.len()
    }

    /// Sums the calls up in `period`, or in the period that fits their span.
    pub fn finish(self, period: Option<Period>) -> Option<Trend> {
        let first = self.records.iter().map(|r| r.day).min()?;
        let last = self.records.iter().map(|r| r.day).max()?;
        let period = period.unwrap_or_else(|| Period::fitting(first, last));
        let mut starts = vec![period.start(first)];
        while let Some(next) = period.next(*starts.last().expect("one at least")) {
            if next > last {
                break;
            }
            starts.push(next);
        }
        let index: HashMap<Date, usize> = starts.iter().enumerate().map(|(i, d)| (*d, i)).collect();
        let n = starts.len();

        let mut periods: Vec<PeriodStats> = starts
            .iter()
            .map(|&start| PeriodStats {
                start,
                label: period.label(start),
                covers: period.covers(start),
                calls: 0,
                errors: 0,
                scores: Histogram::default(),
                tiers: vec![0; self.tiers.len()],
                flagged: 0,
            })
            .collect();
        let mut agents: Vec<Vec<Cell>> = vec![vec![Cell::default(); n]; self.agents.names.len()];
        let mut fired = vec![vec![0usize; n]; self.rules.names.len()];
        let mut by_na = vec![vec![0usize; n]; self.not_applicable.names.len()];
        for r in &self.records {
            let p = index[&period.start(r.day)];
            let stats = &mut periods[p];
            stats.calls += 1;
            let Some(score) = r.score else {
                stats.errors += 1;
                continue;
            };
            stats.scores.add(score);
            if let Some(t) = r.tier.and_then(|t| stats.tiers.get_mut(usize::from(t))) {
                *t += 1;
            }
            stats.flagged += usize::from(r.flagged);
            let cell = &mut agents[r.agent as usize][p];
            cell.calls += 1;
            cell.sum += u64::from(score);
            cell.flagged += usize::from(r.flagged);
            for &rule in r.fired.iter() {
                fired[rule as usize][p] += 1;
            }
            by_na[r.not_applicable as usize][p] += 1;
        }

        let na_sets: Vec<Vec<&str>> = self
            .not_applicable
            .names
            .iter()
            .map(|s| s.split('\u{1f}').filter(|s| !s.is_empty()).collect())
            .collect();
        let mut rules: Vec<RuleRow> = self
            .rules
            .names
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let cells = (0..n)
                    .map(|p| {
                        let left_out: usize = na_sets
                            .iter()
                            .zip(&by_na)
                            .filter(|(set, _)| set.contains(&id.as_str()))
                            .map(|(_, counts)| counts[p])
                            .sum();
                        Rate {
                            fired: fired[i][p],
                            applicable: periods[p].scores.n - left_out,
                        }
                    })
                    .collect();
                RuleRow {
                    id: id.clone(),
                    title: self.titles.get(&(i as u32)).cloned().unwrap_or_default(),
                    bonus: self.bonuses.contains(&(i as u32)),
                    cells,
                    before: None,
                }
            })
            .collect();
        // A rule whose only hits were on lines replaced since has nothing to show.
        rules.retain(|r| r.total().fired > 0);
        rules.sort_by(|a, b| a.id.cmp(&b.id));

        // The period the latest is compared with: the last one before it that had calls.
        let before = periods[..n - 1].iter().rposition(|p| p.scores.n > 0);
        for r in &mut rules {
            r.before = before;
        }
        let mut agents: Vec<AgentRow> = self
            .agents
            .names
            .into_iter()
            .zip(agents)
            .map(|(name, cells)| AgentRow {
                name,
                cells,
                before,
            })
            // A call that could not be read names no agent: nobody to list.
            .filter(|a| a.calls() > 0)
            .collect();
        // The agents to coach first: the lowest mean in the latest period they worked.
        agents.sort_by(|a, b| {
            let key = |r: &AgentRow| {
                r.cells
                    .iter()
                    .rev()
                    .find_map(Cell::mean)
                    .unwrap_or(f64::INFINITY)
            };
            key(a).total_cmp(&key(b)).then_with(|| a.name.cmp(&b.name))
        });

        let mut sources = DateSources::default();
        for r in &self.records {
            match r.from {
                Source::Given => sources.given += 1,
                Source::Meta => sources.meta += 1,
                Source::Graded => sources.graded += 1,
            }
        }
        Some(Trend {
            period,
            first,
            last,
            before,
            tiers: self.tiers,
            periods,
            agents,
            rules,
            sources,
            undated: self.undated,
            unread_undated: self.unread_undated,
            replaced: self.replaced,
        })
    }
}

/// Scores 0–100 counted, for exact quantiles in constant memory.
#[derive(Debug, Clone)]
pub struct Histogram {
    counts: [u32; 101],
    pub n: usize,
    sum: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram {
            counts: [0; 101],
            n: 0,
            sum: 0,
        }
    }
}

impl Histogram {
    fn add(&mut self, score: u8) {
        self.counts[usize::from(score.min(100))] += 1;
        self.n += 1;
        self.sum += u64::from(score);
    }

    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.sum as f64 / self.n as f64)
    }

    /// The `rank`-th lowest score, from 0.
    fn nth(&self, rank: usize) -> u8 {
        let mut seen = 0usize;
        for (score, &c) in self.counts.iter().enumerate() {
            seen += c as usize;
            if seen > rank {
                return score as u8;
            }
        }
        unreachable!("rank {rank} is below n = {}", self.n)
    }

    /// The quantile `q` (0 the lowest score, 0.5 the median, 1 the highest) as Excel's
    /// `PERCENTILE.INC` has it: linear between the two nearest scores.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.n == 0 {
            return None;
        }
        let h = q.clamp(0.0, 1.0) * (self.n - 1) as f64;
        let below = h.floor() as usize;
        let low = f64::from(self.nth(below));
        if below + 1 >= self.n {
            return Some(low);
        }
        let high = f64::from(self.nth(below + 1));
        Some(low + (h - below as f64) * (high - low))
    }
}

/// One period of the trend.
#[derive(Debug, Clone)]
pub struct PeriodStats {
    pub start: Date,
    /// `2026-12-05`, `2026-W49`, `2026-12`.
    pub label: String,
    /// The days it covers, or a day's weekday.
    pub covers: String,
    /// Every call, read or not.
    pub calls: usize,
    /// Calls that could not be read.
    pub errors: usize,
    /// The scores of the calls that were.
    pub scores: Histogram,
    /// Calls per tier, in the order of [`Trend::tiers`].
    pub tiers: Vec<usize>,
    /// Scored calls flagged for a supervisor.
    pub flagged: usize,
}

impl PeriodStats {
    pub fn flagged_share(&self) -> Option<f64> {
        share(self.flagged, self.scores.n)
    }
}

/// An agent's calls in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Cell {
    pub calls: usize,
    sum: u64,
    pub flagged: usize,
}

impl Cell {
    pub fn mean(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.sum as f64 / self.calls as f64)
    }

    pub fn flagged_share(&self) -> Option<f64> {
        share(self.flagged, self.calls)
    }
}

/// A rule in one period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rate {
    /// Calls it hit.
    pub fired: usize,
    /// Scored calls it applied to.
    pub applicable: usize,
}

impl Rate {
    pub fn share(&self) -> Option<f64> {
        share(self.fired, self.applicable)
    }
}

fn share(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

#[derive(Debug, Clone)]
pub struct AgentRow {
    pub name: String,
    /// One per period; `calls == 0` where the agent had none.
    pub cells: Vec<Cell>,
    /// The period the latest is compared with ([`Trend::before`]).
    before: Option<usize>,
}

impl AgentRow {
    pub fn calls(&self) -> usize {
        self.cells.iter().map(|c| c.calls).sum()
    }

    /// The agent's calls in the period compared with and in the latest.
    pub fn compared(&self) -> Option<(&Cell, &Cell)> {
        Some((&self.cells[self.before?], self.cells.last()?))
    }

    /// Mean score in the latest period minus the one compared with, when the agent had calls
    /// in both.
    pub fn change(&self) -> Option<f64> {
        let (before, latest) = self.compared()?;
        Some(latest.mean()? - before.mean()?)
    }

    /// Whether the change rests on enough calls to mean something ([`MOVER_CALLS`] in each).
    pub fn change_is_solid(&self) -> bool {
        self.compared()
            .is_some_and(|(b, l)| b.calls >= MOVER_CALLS && l.calls >= MOVER_CALLS)
    }
}

#[derive(Debug, Clone)]
pub struct RuleRow {
    pub id: String,
    pub title: String,
    /// It earns points (客户确认解决): firing more is better.
    pub bonus: bool,
    /// One per period.
    pub cells: Vec<Rate>,
    before: Option<usize>,
}

impl RuleRow {
    /// The rule in the period compared with and in the latest.
    pub fn compared(&self) -> Option<(&Rate, &Rate)> {
        Some((&self.cells[self.before?], self.cells.last()?))
    }

    /// Firing rate in the latest period minus the one compared with, as a fraction.
    pub fn change(&self) -> Option<f64> {
        let (before, latest) = self.compared()?;
        Some(latest.share()? - before.share()?)
    }

    /// Whether both rates rest on [`MOVER_APPLICABLE`] calls or more.
    pub fn change_is_solid(&self) -> bool {
        self.compared().is_some_and(|(b, l)| {
            b.applicable >= MOVER_APPLICABLE && l.applicable >= MOVER_APPLICABLE
        })
    }

    /// Over every period.
    pub fn total(&self) -> Rate {
        self.cells.iter().fold(Rate::default(), |t, c| Rate {
            fired: t.fired + c.fired,
            applicable: t.applicable + c.applicable,
        })
    }
}

/// The fewest calls an agent needs in each of the last two periods to be named among those that
/// moved most: with fewer, one call moves the mean by ten points.
pub const MOVER_CALLS: usize = 5;
/// The fewest calls a rule must have applied to in each of the last two periods to be named among
/// those that moved most.
pub const MOVER_APPLICABLE: usize = 20;
/// How many agents and rules are named as having moved most.
pub const MOVERS: usize = 5;

/// The figures of a trend.
#[derive(Debug, Clone)]
pub struct Trend {
    pub period: Period,
    /// The first and last day of a call.
    pub first: Date,
    pub last: Date,
    /// The period the latest is compared with: the last before it with calls.
    pub before: Option<usize>,
    /// Tier names, from the highest down, as the results' schemes list them.
    pub tiers: Vec<String>,
    /// In order of time.
    pub periods: Vec<PeriodStats>,
    /// The lowest mean in the latest period they worked first.
    pub agents: Vec<AgentRow>,
    /// By id.
    pub rules: Vec<RuleRow>,
    pub sources: DateSources,
    /// Lines left out for want of a date.
    pub undated: usize,
    /// Unreadable calls with no day but their grading's, left out.
    pub unread_undated: usize,
    /// Lines that replaced an earlier line of the same call.
    pub replaced: usize,
}

impl Trend {
    /// The agents whose mean moved most between the last two periods, with enough calls in
    /// both to mean something; the largest move first.
    pub fn agent_movers(&self) -> Vec<&AgentRow> {
        movers(
            &self.agents,
            AgentRow::change,
            AgentRow::change_is_solid,
            |a| &a.name,
        )
    }

    /// The rules whose firing rate moved most between the last two periods, with enough calls
    /// in both; the largest move first. A rule that did not move is not named.
    pub fn rule_movers(&self) -> Vec<&RuleRow> {
        movers(
            &self.rules,
            RuleRow::change,
            RuleRow::change_is_solid,
            |r| &r.id,
        )
    }

    /// Calls in the trend, read or not.
    pub fn calls(&self) -> usize {
        self.periods.iter().map(|p| p.calls).sum()
    }
}

/// The [`MOVERS`] rows whose `change` is largest, leaving out rows that did not move or whose
/// change is not `solid`; ties by `name`.
fn movers<R>(
    rows: &[R],
    change: fn(&R) -> Option<f64>,
    solid: fn(&R) -> bool,
    name: fn(&R) -> &str,
) -> Vec<&R> {
    let mut moved: Vec<&R> = rows
        .iter()
        .filter(|r| change(r).is_some_and(|c| c != 0.0) && solid(r))
        .collect();
    let size = |r: &R| change(r).map_or(0.0, f64::abs);
    moved.sort_by(|a, b| {
        size(b)
            .total_cmp(&size(a))
            .then_with(|| name(a).cmp(name(b)))
    });
    moved.truncate(MOVERS);
    moved
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;
    use serde_json::json;

    fn line(id: &str, day: &str, agent: &str, score: u8, tier: &str, hits: &[&str]) -> TrendLine {
        let value = json!({
            "schema": crate::report::SCHEMA,
            "call_id": id,
            "source": format!("{id}.txt"),
            "agent": agent,
            "date": day,
            "date_from": "meta:date",
            "score": score,
            "tier": tier,
            "flagged": score < 80,
            "hit_counts": hits.iter().map(|h| (h.to_string(), json!(1))).collect::<serde_json::Map<_, _>>(),
            "hits": hits.iter().map(|h| json!({"rule_id": h, "rule_title": format!("{h} 的标题")})).collect::<Vec<_>>(),
            "not_applicable": [],
            "scoring": {
                "tiers": [["优秀", 95], ["良好", 90], ["达标", 80], ["不达标", 0]],
                "rules": hits.iter().map(|h| (h.to_string(), json!({"points": if h.starts_with("RES002") { 2 } else { -5 }}))).collect::<serde_json::Map<_, _>>(),
            },
            "error": null,
        });
        parse(&value.to_string(), "x.jsonl:3").unwrap()
    }

    #[test]
    fn periods_start_on_the_day_the_monday_and_the_first() {
        let sat = date(2026, 12, 5);
        assert_eq!(Period::Day.start(sat), sat);
        assert_eq!(Period::Week.start(sat), date(2026, 11, 30));
        assert_eq!(Period::Week.start(date(2026, 11, 30)), date(2026, 11, 30));
        assert_eq!(Period::Week.start(date(2026, 12, 6)), date(2026, 11, 30));
        assert_eq!(Period::Month.start(sat), date(2026, 12, 1));
        assert_eq!(Period::Week.label(date(2026, 11, 30)), "2026-W49");
        // 2027-01-01 is a Friday of the last ISO week of 2026.
        let w = Period::Week.start(date(2027, 1, 1));
        assert_eq!(
            (w, Period::Week.label(w)),
            (date(2026, 12, 28), "2026-W53".into())
        );
        assert_eq!(Period::Week.covers(w), "12-28–01-03");
        assert_eq!(Period::Month.label(sat), "2026-12");
        assert_eq!(Period::Month.covers(date(2026, 2, 1)), "28 天");
        assert_eq!(Period::Day.covers(sat), "周六");
        assert_eq!(Period::Day.label(sat), "2026-12-05");
    }

    #[test]
    fn the_period_fits_the_span() {
        let d = date(2026, 1, 1);
        let plus = |n: i64| d.checked_add(jiff::Span::new().days(n)).unwrap();
        assert_eq!(Period::fitting(d, plus(31)), Period::Day);
        assert_eq!(Period::fitting(d, plus(32)), Period::Week);
        assert_eq!(Period::fitting(d, plus(182)), Period::Week);
        assert_eq!(Period::fitting(d, plus(183)), Period::Month);
        assert_eq!("week".parse::<Period>(), Ok(Period::Week));
        assert_eq!("day".parse::<Period>(), Ok(Period::Day));
        assert_eq!("天".parse::<Period>(), Ok(Period::Day));
        let zh: Vec<&str> = [Period::Day, Period::Week, Period::Month]
            .map(Period::zh)
            .to_vec();
        assert_eq!(zh, ["日", "周", "月"]);
        assert_eq!("月".parse::<Period>(), Ok(Period::Month));
        assert!("year".parse::<Period>().unwrap_err().contains("day"));
    }

    #[test]
    fn quantiles_are_excel_s_percentile_inc() {
        let mut h = Histogram::default();
        assert_eq!((h.mean(), h.quantile(0.5)), (None, None));
        h.add(88);
        assert_eq!(
            (h.quantile(0.0), h.quantile(0.5), h.quantile(1.0)),
            (Some(88.0), Some(88.0), Some(88.0))
        );
        let mut h = Histogram::default();
        for s in [100, 70, 90, 80] {
            h.add(s);
        }
        assert_eq!(h.quantile(0.0), Some(70.0));
        assert_eq!(h.quantile(0.25), Some(77.5));
        assert_eq!(h.quantile(0.5), Some(85.0));
        assert_eq!(h.quantile(0.75), Some(92.5));
        assert_eq!(h.quantile(1.0), Some(100.0));
        assert_eq!(h.mean(), Some(85.0));
        // The new user's day: [92, 92, 97×4, 100×6] has the median 98.5, as Excel says.
        let mut h = Histogram::default();
        for s in [92, 92, 97, 97, 97, 97, 100, 100, 100, 100, 100, 100] {
            h.add(s);
        }
        assert_eq!(h.quantile(0.5), Some(98.5));
        assert_eq!(h.quantile(0.25), Some(97.0));
        assert_eq!(h.quantile(0.1), Some(92.5));
    }

    #[test]
    fn periods_without_calls_keep_their_place_and_the_change_skips_them() {
        let mut b = Builder::default();
        for (id, day, score) in [
            ("a", "2026-11-02", 90),
            ("b", "2026-11-23", 80),
            ("c", "2026-11-24", 70),
        ] {
            b.add(line(id, day, "甲", score, "良好", &[])).unwrap();
        }
        let t = b.finish(Some(Period::Week)).unwrap();
        let labels: Vec<&str> = t.periods.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-W45", "2026-W46", "2026-W47", "2026-W48"]);
        assert_eq!(t.periods[1].calls + t.periods[2].calls, 0);
        assert_eq!(t.before, Some(0));
        assert_eq!(t.agents[0].change(), Some(75.0 - 90.0));
        assert!(!t.agents[0].change_is_solid());
        let t = {
            let mut b = Builder::default();
            b.add(line("a", "2026-11-02", "甲", 90, "良好", &[]))
                .unwrap();
            b.finish(Some(Period::Month)).unwrap()
        };
        assert_eq!((t.periods.len(), t.before), (1, None));
        assert_eq!(t.agents[0].change(), None);
        assert_eq!(
            Period::Month.next(date(2026, 1, 31)),
            Some(date(2026, 2, 28))
        );
        assert_eq!(
            Period::Week.next(date(2026, 12, 28)),
            Some(date(2027, 1, 4))
        );
    }

    #[test]
    fn two_days_of_results_summed_up() {
        let mut b = Builder::default();
        let add = |b: &mut Builder, l| b.add(l).unwrap();
        add(&mut b, line("a", "2026-12-04", "张敏", 100, "优秀", &[]));
        add(
            &mut b,
            line("b", "2026-12-04", "张敏", 70, "不达标", &["LNG001"]),
        );
        add(
            &mut b,
            line("c", "2026-12-04", "李强", 92, "良好", &["RSP001"]),
        );
        add(&mut b, line("d", "2026-12-05", "张敏", 96, "优秀", &[]));
        add(
            &mut b,
            line("e", "2026-12-05", "李强", 80, "达标", &["LNG001", "RSP001"]),
        );
        // Graded again: the later line replaces the earlier one.
        add(
            &mut b,
            line("e", "2026-12-05", "李强", 84, "达标", &["RSP001"]),
        );
        assert_eq!((b.calls(), b.replaced), (5, 1));
        let t = b.finish(None).unwrap();
        assert_eq!(t.period, Period::Day);
        assert_eq!((t.first, t.last), (date(2026, 12, 4), date(2026, 12, 5)));
        let labels: Vec<&str> = t.periods.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2026-12-04", "2026-12-05"]);
        assert_eq!(t.tiers, ["优秀", "良好", "达标", "不达标"]);
        assert_eq!(t.periods[0].tiers, [1, 1, 0, 1]);
        assert_eq!(t.periods[1].tiers, [1, 0, 1, 0]);
        assert_eq!(t.periods[0].scores.mean(), Some(262.0 / 3.0));
        assert_eq!(t.periods[0].flagged_share(), Some(1.0 / 3.0));
        assert_eq!(t.periods[1].flagged_share(), Some(0.0));
        assert_eq!(t.sources.meta, 5);

        // 李强 has the lowest mean in the latest period: listed first.
        let names: Vec<&str> = t.agents.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["李强", "张敏"]);
        assert_eq!(t.agents[0].change(), Some(84.0 - 92.0));
        assert_eq!(t.agents[1].change(), Some(96.0 - 85.0));
        assert_eq!(t.agents[1].calls(), 3);
        assert_eq!(t.agents[1].cells[0].flagged_share(), Some(0.5));
        assert_eq!(t.agents[1].cells[1].flagged_share(), Some(0.0));

        let lng = t.rules.iter().find(|r| r.id == "LNG001").unwrap();
        assert_eq!((lng.title.as_str(), lng.bonus), ("LNG001 的标题", false));
        let rates: Vec<(usize, usize)> =
            lng.cells.iter().map(|c| (c.fired, c.applicable)).collect();
        assert_eq!(rates, [(1, 3), (0, 2)]);
        assert_eq!(lng.change(), Some(-1.0 / 3.0));
        assert_eq!(
            lng.total(),
            Rate {
                fired: 1,
                applicable: 5
            }
        );
        // Too few calls to name anyone as having moved most.
        assert!(t.agent_movers().is_empty() && t.rule_movers().is_empty());
    }

    #[test]
    fn movers_need_calls_in_both_periods_and_the_largest_move_comes_first() {
        let mut b = Builder::default();
        let mut n = 0;
        let mut add = |b: &mut Builder, day: &str, agent: &str, score: u8, k: usize| {
            for _ in 0..k {
                n += 1;
                let hits: &[&str] = if score < 90 { &["LNG001"] } else { &[] };
                b.add(line(&n.to_string(), day, agent, score, "良好", hits))
                    .unwrap();
            }
        };
        add(&mut b, "2026-11-23", "甲", 90, 5);
        add(&mut b, "2026-11-30", "甲", 80, 5);
        add(&mut b, "2026-11-23", "乙", 80, 5);
        add(&mut b, "2026-11-30", "乙", 100, 5);
        add(&mut b, "2026-11-23", "丙", 70, 4);
        add(&mut b, "2026-11-30", "丙", 100, 30);
        add(&mut b, "2026-11-23", "丁", 90, 6);
        add(&mut b, "2026-11-30", "丁", 90, 6);
        let t = b.finish(Some(Period::Week)).unwrap();
        assert_eq!(t.periods.len(), 2);
        let movers: Vec<(&str, f64)> = t
            .agent_movers()
            .iter()
            .map(|a| (a.name.as_str(), a.change().unwrap()))
            .collect();
        // 丙 had four calls in the first week; 丁 did not move.
        assert_eq!(movers, [("乙", 20.0), ("甲", -10.0)]);
        let lng = t.rule_movers();
        assert_eq!(lng.len(), 1);
        assert_eq!(lng[0].id, "LNG001");
        assert_eq!(
            lng[0].cells[0],
            Rate {
                fired: 9,
                applicable: 20
            }
        );
        assert_eq!(
            lng[0].cells[1],
            Rate {
                fired: 5,
                applicable: 46
            }
        );
    }

    #[test]
    fn not_applicable_rules_and_unread_calls_leave_the_rate_and_the_mean() {
        let mut b = Builder::default();
        let mut chat = line("a", "2026-12-05", "甲", 100, "优秀", &[]);
        chat.not_applicable = vec!["OPN001".into()];
        b.add(chat).unwrap();
        b.add(line("b", "2026-12-05", "甲", 90, "良好", &["OPN001"]))
            .unwrap();
        // Unreadable, and the only call of 乙: nobody to list.
        let mut broken = line("c", "2026-12-05", "乙", 0, "不达标", &[]);
        broken.score = None;
        broken.tier = None;
        b.add(broken).unwrap();
        let mut old = line("d", "2026-12-05", "甲", 0, "不达标", &[]);
        old.date = None;
        b.add(old).unwrap();
        assert_eq!(b.undated, 1);
        let t = b.finish(None).unwrap();
        let p = &t.periods[0];
        assert_eq!((p.calls, p.errors, p.scores.n), (3, 1, 2));
        assert_eq!(p.scores.mean(), Some(95.0));
        assert_eq!(t.agents.len(), 1);
        assert_eq!(t.agents[0].cells[0].calls, 2);
        assert_eq!(
            t.rules[0].cells[0],
            Rate {
                fired: 1,
                applicable: 1
            }
        );
    }

    #[test]
    fn a_call_graded_again_counts_once_and_an_unread_one_without_a_day_not_at_all() {
        let mut b = Builder::default();
        let graded = |id: &str, day: &str, hits: &[&str], title: &str| {
            let mut l = line(id, day, "甲", 90, "良好", hits);
            l.date_from = Some("graded".into());
            for h in &mut l.hits {
                h.rule_title = title.into();
            }
            l
        };
        // No day of its own: graded on the 1st and again on the 3rd, the same call.
        b.add(graded("a", "2026-12-01", &["RSP001"], "旧标题"))
            .unwrap();
        b.add(graded("a", "2026-12-03", &["LNG001"], "新标题"))
            .unwrap();
        assert_eq!((b.calls(), b.replaced), (1, 1));
        let mut unread = graded("x", "2026-12-03", &[], "");
        unread.score = None;
        unread.tier = None;
        b.add(unread).unwrap();
        assert_eq!((b.calls(), b.unread_undated), (1, 1));
        // Its own day: the 1st and the 2nd are two calls that share an id.
        b.add(line("b", "2026-12-01", "甲", 90, "良好", &[]))
            .unwrap();
        b.add(line("b", "2026-12-02", "甲", 90, "良好", &[]))
            .unwrap();
        assert_eq!(b.calls(), 3);
        let t = b.finish(None).unwrap();
        assert_eq!(t.unread_undated, 1);
        // The call as graded last: on the 3rd, LNG001 under its new title; RSP001 is gone.
        let rules: Vec<(&str, &str)> = t
            .rules
            .iter()
            .map(|r| (r.id.as_str(), r.title.as_str()))
            .collect();
        assert_eq!(rules, [("LNG001", "新标题")]);
        assert_eq!(t.periods.last().unwrap().calls, 1);
    }

    #[test]
    fn sources_bonuses_and_tiers_the_schemes_do_not_list() {
        let mut b = Builder::default();
        let mut given = line("a", "2026-12-05", "甲", 90, "良好", &["RES002", "LNG002"]);
        given.date_from = Some("given".into());
        // LNG002 flags for review at 0 points: no bonus.
        given
            .scoring
            .as_mut()
            .unwrap()
            .rules
            .get_mut("LNG002")
            .unwrap()
            .points = 0;
        b.add(given).unwrap();
        // A tier no scheme of the lines lists (a scheme of its own) is put after theirs.
        let mut odd = line("b", "2026-12-05", "甲", 50, "待改进", &[]);
        odd.scoring = None;
        // A count of nothing (never written so, but a hand-edited line may) is no hit.
        odd.hit_counts.insert("EMP001".into(), 0);
        b.add(odd).unwrap();
        b.add(line("c", "2026-12-05", "甲", 100, "优秀", &[]))
            .unwrap();
        let t = b.finish(None).unwrap();
        assert_eq!(
            t.sources,
            DateSources {
                given: 1,
                meta: 2,
                graded: 0
            }
        );
        let bonus: Vec<(&str, bool)> = t.rules.iter().map(|r| (r.id.as_str(), r.bonus)).collect();
        assert_eq!(bonus, [("LNG002", false), ("RES002", true)]);
        assert_eq!(t.tiers, ["优秀", "良好", "达标", "不达标", "待改进"]);
        assert_eq!(t.periods[0].tiers, [1, 1, 0, 0, 1]);
    }

    #[test]
    fn a_bad_date_is_an_error_and_no_dated_line_is_no_trend() {
        let mut b = Builder::default();
        let mut bad = line("a", "2026-12-05", "甲", 100, "优秀", &[]);
        bad.date = Some("12/05".into());
        let e = b.add(bad).unwrap_err().to_string();
        assert!(e.contains("x.jsonl:3") && e.contains("12/05"), "{e}");
        let mut ancient = line("a", "2026-12-05", "甲", 100, "优秀", &[]);
        ancient.date = Some("0026-12-05".into());
        let e = b.add(ancient).unwrap_err().to_string();
        assert!(e.contains("2000–2099") && e.contains("0026-12-05"), "{e}");
        assert!(b.finish(None).is_none());
    }
}
