//! `scoring.toml` → [`Scoring`]: the service standard's numbers (base score, tiers, which
//! dimensions make up each sub-score, the service-type threshold, how often one sentence may
//! cost), checked for the mistakes that would make every score meaningless.

use std::sync::Arc;

use super::schema::{ConfidenceSpec, ScoringFile};
use super::{ConfidencePolicy, RuleError, RuleSource, Scoring, SentencePolicy, Uncertain};

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
    let confidence = match &file.confidence {
        Some(spec) => confidence_policy(spec, &src.path, &text)?,
        None => ConfidencePolicy::default(),
    };
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
        confidence,
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

/// `[confidence]` checked: a threshold and a share are probabilities, the action one of three;
/// keys not written take the defaults (below 0.4, review; a fraction of 0.5).
pub(crate) fn confidence_policy(
    spec: &ConfidenceSpec,
    path: &str,
    text: &Arc<str>,
) -> Result<ConfidencePolicy, RuleError> {
    let share = |v: &Option<toml::Spanned<f64>>, key: &str, fallback: f64| match v {
        None => Ok(fallback),
        Some(v) if (0.0..=1.0).contains(v.get_ref()) => Ok(*v.get_ref()),
        Some(v) => Err(RuleError::new(
            path,
            text,
            Some(v.span()),
            format!(
                "[confidence] 的 {key} 应为 0 到 1 之间的数{},而不是 {}",
                if key == "below" {
                    " (识别置信度是概率;40% 写作 0.4)"
                } else {
                    " (扣分的比例;一半写作 0.5)"
                },
                v.get_ref()
            ),
        )),
    };
    let default = ConfidencePolicy::default();
    let below = share(&spec.below, "below", default.below)?;
    let fraction = share(&spec.fraction, "fraction", 0.5)?;
    let action = match &spec.action {
        None => default.action,
        Some(a) => match a.get_ref().as_str() {
            "review" => Uncertain::Review,
            "fraction" => Uncertain::Fraction(fraction),
            "deduct" => Uncertain::Deduct,
            other => {
                return Err(RuleError::new(
                    path,
                    text,
                    Some(a.span()),
                    format!(
                    "[confidence] 的 action 是 \"{other}\",应为 \"review\" (不扣分,送主管复核)、\
                         \"fraction\" (只扣 fraction 倍的分) 或 \"deduct\" (照常扣分)"
                ),
                ))
            }
        },
    };
    if spec.fraction.is_some() && !matches!(action, Uncertain::Fraction(_)) {
        let span = spec.fraction.as_ref().map(toml::Spanned::span);
        return Err(RuleError::new(
            path,
            text,
            span,
            "[confidence] 写了 fraction,但 action 不是 \"fraction\";要按比例扣分请写 action = \"fraction\"",
        ));
    }
    Ok(ConfidencePolicy { below, action })
}
