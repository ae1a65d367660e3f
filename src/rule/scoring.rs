//! `scoring.toml` → [`Scoring`]: the service standard's numbers (base score, tiers, which
//! dimensions make up each sub-score, the service-type threshold, how often one sentence may
//! cost), checked for the mistakes that would make every score meaningless.

use std::sync::Arc;

use super::schema::ScoringFile;
use super::{RuleError, RuleSource, Scoring, SentencePolicy};

/// The scoring numbers, and the `[rules]` adjustments to apply once the rules are compiled;
/// every problem of the file's keys and types at once.
pub(crate) fn compile_scoring(
    src: &RuleSource,
) -> Result<(Scoring, super::adjust::Adjustments), Vec<RuleError>> {
    let text: Arc<str> = src.text.as_str().into();
    let file: ScoringFile = super::explain::parse_all(&src.path, &text)?;
    numbers(src, &text, file).map_err(|e| vec![e])
}

/// The numbers of a file that reads, checked for what would make every score meaningless.
fn numbers(
    src: &RuleSource,
    text: &Arc<str>,
    file: ScoringFile,
) -> Result<(Scoring, super::adjust::Adjustments), RuleError> {
    let text = text.clone();
    let mut tiers: Vec<(String, i32)> = file.tiers.into_iter().map(|t| (t.name, t.min)).collect();
    tiers.sort_by_key(|t| std::cmp::Reverse(t.1));
    let problem = |message: &str| Err(RuleError::new(&src.path, &text, None, message));
    if tiers.last().is_none_or(|t| t.1 > 0) {
        return problem("[[tier]] 必须包含一个 min = 0 的最低档,否则低分通话没有档位");
    }
    for name in &file.flag_tiers {
        if !tiers.iter().any(|t| &t.0 == name) {
            return problem(&format!(
                "flag_tiers 中的档位 \"{name}\" 未在 [[tier]] 中定义"
            ));
        }
    }
    let groups = &file.dimensions;
    if let Some(d) = groups
        .attitude
        .iter()
        .find(|d| groups.procedure.contains(d))
    {
        return problem(&format!("维度 \"{d}\" 同时出现在 attitude 和 procedure 中"));
    }
    let policy = |value: &Option<toml::Spanned<String>>, fallback: SentencePolicy| {
        let Some(v) = value else {
            return Ok(fallback);
        };
        SentencePolicy::from_name(v.get_ref()).ok_or_else(|| {
            RuleError::new(
                &src.path,
                &text,
                Some(v.span()),
                format!(
                    "sentence 的值 \"{}\" 不认识,应为 \"dimension\" (同一句同一维度只扣一次)、\
                     \"rule\" (同一句同一规则只扣一次) 或 \"hit\" (每处命中都扣分)",
                    v.get_ref()
                ),
            )
        })
    };
    let sentence = policy(&file.sentence, SentencePolicy::default())?;
    let s = file.service_type;
    let mut scoring = Scoring {
        name: None,
        base: file.base,
        tiers,
        flag_tiers: file.flag_tiers,
        attitude_dimensions: file.dimensions.attitude,
        procedure_dimensions: file.dimensions.procedure,
        service_threshold: s.threshold,
        service_types: [s.both, s.attitude_only, s.procedure_only, s.neither],
        sentence,
        sound_alike: file.sound_alike.unwrap_or(true),
        schemes: Vec::new(),
    };
    for (channel, spec) in file.scheme {
        let mut scheme = scoring.clone();
        scheme.name = Some(spec.name);
        if let Some(base) = spec.base {
            scheme.base = base;
        }
        for (name, min) in &spec.tier_min {
            match scheme.tiers.iter_mut().find(|t| &t.0 == name) {
                Some(t) => t.1 = *min,
                None => {
                    return problem(&format!(
                        "[scheme.{channel}] 的 tier_min 中的档位 \"{name}\" 未在 [[tier]] 中定义"
                    ))
                }
            }
        }
        scheme.tiers.sort_by_key(|t| std::cmp::Reverse(t.1));
        if scheme.tiers.last().is_none_or(|t| t.1 > 0) {
            return problem(&format!("[scheme.{channel}] 的最低档必须是 0 分起"));
        }
        if let Some(flag) = spec.flag_tiers {
            if let Some(name) = flag
                .iter()
                .find(|n| !scheme.tiers.iter().any(|t| &t.0 == *n))
            {
                return problem(&format!(
                    "[scheme.{channel}] 的 flag_tiers 中的档位 \"{name}\" 未在 [[tier]] 中定义"
                ));
            }
            scheme.flag_tiers = flag;
        }
        if let Some(t) = spec.service_threshold {
            scheme.service_threshold = t;
        }
        scheme.sentence = policy(&spec.sentence, scoring.sentence)?;
        scheme.sound_alike = spec.sound_alike.unwrap_or(scoring.sound_alike);
        scoring.schemes.push((channel, scheme));
    }
    Ok((scoring, file.rules))
}
