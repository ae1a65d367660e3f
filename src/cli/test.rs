//! `zhijian test`: the rule directory and the corpus → a test report and an exit status.
//!
//! In: `zhijian test [--rules DIR] [--corpus DIR | --no-corpus] [--format human|junit|github]
//! [--strict] [--coverage [FILE...]]`, by default `./rules` (the built-in rules if absent) and `./corpus` (skipped if
//! absent). Out: the report on
//! stdout; exit 0 all good, 1 failures (warnings too with `--strict`), 2 rule files unusable.

use std::io::{self, IsTerminal};
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::{write_stdout, CliError, Status};
use zhijian::selftest::{self, TestOptions, Verdict};

#[derive(Debug, Args)]
pub struct TestArgs {
    /// 规则目录 (默认 ./rules;没有 ./rules 时检验内置规则) / rule directory
    #[arg(long, value_name = "DIR")]
    pub rules: Option<PathBuf>,
    /// 语料目录,内含 expectations.toml (默认 ./corpus,不存在则跳过)
    #[arg(long, value_name = "DIR")]
    pub corpus: Option<PathBuf>,
    /// 只检验规则文件和示例,不检查语料
    #[arg(long, conflicts_with = "corpus")]
    pub no_corpus: bool,
    /// 输出格式: human 给人看, junit 给 CI 服务器, github 生成 GitHub Actions 注释
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// 警告也算失败 (规则在语料中从不命中或命中过多、缺少示例等)
    #[arg(long)]
    pub strict: bool,
    /// 逐条删去每个短语、选项、排除项和词库条目,列出删去后没有任何示例或语料期望变化的 (无人验证的条款);
    /// 后面写规则或词库文件就只查这几个文件
    #[arg(long, num_args = 0.., value_name = "FILE")]
    pub coverage: Option<Vec<PathBuf>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Junit,
    Github,
}

const DEFAULT_RULES: &str = "rules";
const DEFAULT_CORPUS: &str = "corpus";

pub(super) fn run(args: &TestArgs) -> Result<Status, CliError> {
    let corpus = match &args.corpus {
        _ if args.no_corpus => None,
        Some(dir) if dir.is_dir() => Some(dir.clone()),
        Some(dir) => {
            return Err(CliError::Usage(format!(
                "语料目录 {} 不存在或不是目录",
                dir.display()
            )))
        }
        None => Some(PathBuf::from(DEFAULT_CORPUS)).filter(|d| d.is_dir()),
    };
    // An installed binary run outside a rule repository tests its own built-in rules rather
    // than failing on a missing ./rules.
    let rules = match &args.rules {
        Some(dir) => Some(dir.clone()),
        None => Some(PathBuf::from(DEFAULT_RULES)).filter(|d| d.is_dir()),
    };
    let mut report = selftest::run(&TestOptions {
        rules: rules.as_deref(),
        corpus: corpus.as_deref(),
        strict: args.strict,
        coverage: args.coverage.as_ref().map(|files| {
            files
                .iter()
                .map(|f| f.to_string_lossy().replace('\\', "/"))
                .collect()
        }),
    });
    if rules.is_none() && !report.unusable {
        report.scope.insert(0, "内置规则".into());
    }
    if corpus.is_none() && !report.unusable {
        report.scope.push("未检查语料".into());
    }
    let text = match args.format {
        Format::Human => selftest::human(&report, io::stdout().is_terminal()),
        Format::Junit => selftest::junit(&report),
        Format::Github => selftest::github(&report),
    };
    write_stdout(&text)?;
    Ok(match report.verdict() {
        Verdict::Passed => Status::Success,
        Verdict::Failed => Status::Problems,
        Verdict::Unusable => Status::Failed,
    })
}
