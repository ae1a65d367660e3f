//! Command line: raw arguments → validated settings → a run of a command → an exit status.
//!
//! In: `zhijian grade …` (score calls), `zhijian review …` (the supervisor's HTML report),
//! `zhijian explain FILE` (one call in the terminal), `zhijian precision verdicts.csv…` (each
//! rule's precision from supervisors' verdicts, and how well they agree), `zhijian rescore
//! results.jsonl verdicts.csv…` (each call's final score after review and appeals), `zhijian
//! trend results.jsonl…` (scores, agents and rules over days and weeks), `zhijian sample …` (draw hits or calls for people to check by hand), `zhijian test …` (prove the rule files work), `zhijian diff --base OLD …` (what a rule edit changes) or `zhijian rules [ID]` (list
//! or document the rules). Out: what the command writes and an
//! exit status, 0 success, 1 problems found (inputs that could not be read, tests that
//! failed), 2 the command could not run (usage, unusable rule files, unwritable output).

mod diff;
mod explain;
mod grade;
mod precision;
mod rescore;
mod review;
mod rules;
mod sample;
mod signals;
mod test;
mod trend;
pub mod usage;

use std::io;
use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

pub use diff::DiffArgs;
pub use explain::ExplainArgs;
pub use grade::GradeArgs;
pub use precision::PrecisionArgs;
pub use rescore::RescoreArgs;
pub use review::ReviewArgs;
pub use rules::RulesArgs;
pub use sample::SampleArgs;
pub use test::TestArgs;
pub use trend::TrendArgs;

use zhijian::rule::{RuleErrors, RuleSet};

#[derive(Debug, Parser)]
#[command(
    name = "zhijian",
    version,
    about = "质检: 按规则文件批量给客服通话转写打分 / batch-grade Chinese call transcripts",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// 批量质检通话,输出得分和证据 (CSV、JSONL、Excel、HTML) / grade calls into score and evidence reports
    #[command(after_help = GRADE_EXAMPLES)]
    Grade(GradeArgs),
    /// 生成主管复核用的 HTML 报告:待复核优先、原文高亮、标记误判 / the supervisor's HTML review report
    #[command(after_help = REVIEW_EXAMPLES)]
    Review(ReviewArgs),
    /// 在终端里解释一通电话:原文标出扣分处、逐条算分、未命中的原因 / explain one call's score
    #[command(after_help = EXPLAIN_EXAMPLES)]
    Explain(ExplainArgs),
    /// 人工抽检:按规则、渠道、坐席或档位随机抽取命中 (或整通电话),写成逐项判定的抽检单 /
    /// draw a reproducible sample of hits or calls for people to check
    #[command(after_help = SAMPLE_EXAMPLES)]
    Sample(SampleArgs),
    /// 按复核结论 (verdicts.csv) 统计每条规则的准确率和复核人的一致性 / each rule's precision
    /// from verdicts, and how well reviewers agree
    Precision(PrecisionArgs),
    /// 复核、申诉之后重算每通电话的最终得分 / every call's final score after review and appeals
    #[command(after_help = RESCORE_EXAMPLES)]
    Rescore(RescoreArgs),
    /// 多批质检结果的趋势:每日/周/月的得分分布、档位占比、坐席和规则的变化 / trends over
    /// many batches: scores, tiers, agents and rules by day, week or month
    #[command(after_help = TREND_EXAMPLES)]
    Trend(TrendArgs),
    /// 检验规则文件: 校验格式、运行示例、核对语料期望 / test the rule files
    Test(TestArgs),
    /// 规则改动的影响:用改前和改后的规则给同一批通话打分,列出得分、档位、复核标记和证据的变化 /
    /// what a rule edit changes on a batch of calls, before it goes live
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// 列出规则,或显示一条规则的说明 / list the rules, or document one
    Rules(RulesArgs),
}

const GRADE_EXAMPLES: &str = "\
例子 / examples:
  zhijian grade corpus/                                    得分 CSV 输出到屏幕
  zhijian grade 转写/ --out 报告.xlsx                      Excel:得分、证据、坐席、规则四张表
  zhijian grade 转写/ --out 得分.csv --findings 证据.csv   得分 CSV 和每处扣分的证据
  zhijian grade 转写/ --only-flagged --out 待复核.xlsx     只列需主管复核的通话
  zhijian grade 转写/ --out 得分.csv --html 复核.html      同时写主管复核用的 HTML 报告
  zhijian grade 识别结果/ --agent-channel 1                双声道录音,客服在声道 1
  zhijian grade 导出/ --agent-from-path '/(A\\d+)/'        从路径取坐席工号
  cat 转写.txt | zhijian grade - --format jsonl            从标准输入读 (自动识别格式),JSONL 输出

输入格式按内容识别:文本转写 (含 ASR 时间戳布局、说话人编号)、SRT/WebVTT、JSON/JSONL,
阿里云、百炼、智能对话分析工单、FunASR、Whisper/WhisperX、腾讯云、讯飞、华为云的识别结果;
编码 (UTF-8/UTF-16/GB18030/Big5) 自动识别。说话人按话术判定客服,判定理由写在 roles 列。

退出码: 0 完成;1 有输入无法读取 (各占一行,见 error 列);2 用法错误、规则有错或无法写入";

const REVIEW_EXAMPLES: &str = "\
例子 / examples:
  zhijian review 转写/ -o 复核.html                  全部通话,待复核的排在前面
  zhijian review 转写/ --only-flagged -o 待复核.html 只收录待复核的通话
  zhijian grade 转写/ --out 得分.csv --html 复核.html 同时输出得分表和复核报告

报告是一个独立的 HTML 文件,不联网,可放在共享盘上用浏览器打开。在通话视图里逐条标记
确认/误判,点“下载 verdicts.csv”,再用 zhijian precision verdicts.csv 统计每条规则的准确率。";

const SAMPLE_EXAMPLES: &str = "\
例子 / examples:
  zhijian sample 转写/ -o 抽检单.txt                        每条规则随机抽 8 项命中,逐项判定
  zhijian sample 转写/ --per rule-channel --n 5 --verdicts 抽检.csv   每条规则每个渠道 5 项,附空白结论表
  zhijian sample 转写/ --rule RSP001 --rule EMP001 --n 20   只抽这两条规则
  zhijian sample 转写/ --per agent --only-channel chat      在线客服每个坐席 8 项
  zhijian sample 转写/ --per call --n 10 -o 整通.txt         整通抽 10 通,找漏检
  zhijian sample 转写/ --html 抽检.html                     只含抽到的通话的复核报告

同样的种子 (--seed,默认 13) 和同样的通话,抽到的就相同,与线程数、文件放在哪里无关;
--n 加大时原来抽到的仍在其中。把结论填进 --verdicts 的 verdict 列 (确认/误判/存疑),
再用 zhijian precision 抽检.csv 统计每条规则的准确率。";

const RESCORE_EXAMPLES: &str = "\
例子 / examples:
  zhijian rescore 结果.jsonl verdicts.csv -o 最终得分.csv          复核的误判去掉后的得分
  zhijian rescore 结果.jsonl 李强.csv 王芳.csv 申诉.csv -o 最终.xlsx  几位复核人的结论加上申诉

结果.jsonl 是 zhijian grade --out 结果.jsonl 写的质检结果 (每行带重算所需的评分参数,规则文件
改过也能重算)。复核判为误判、申诉裁决为撤销的命中去掉,申诉维持的保留,用质检时同一套算法重算
得分、档位和服务类型;与复核报告里“去掉误判后”的得分一致。申诉列见 docs/review.md 的“申诉与最终得分”。";

const TREND_EXAMPLES: &str = "\
例子 / examples:
  zhijian grade 12月05日/ --date 2026-12-05 --out 1205.jsonl      每批质检结果带上日期
  zhijian trend 1201.jsonl 1202.jsonl 1203.jsonl -o 趋势.html       按日的图表和表格
  zhijian trend 结果/*.jsonl --by week -o 周趋势.xlsx               按周汇总成 Excel

每通电话的日期:质检时的 --date,否则取通话元数据里的日期 (date、start_time、通话时间…),
再没有就是质检当天;都写在 JSONL 的 date 列。同一通话 (通话编号、日期和内容都相同) 出现在
几个文件里时按后给的文件计,重新质检后把新结果放在后面即可。报告是独立的 HTML 文件,不联网,不含通话内容。";

const DIFF_EXAMPLES: &str = "\
例子 / examples:
  zhijian diff --base 旧规则/ --rules rules/ 昨天/              改规则前先看对昨天的通话有什么影响
  zhijian diff --base 旧规则/ --rules rules/ corpus/ --format github > 影响.md   写成 PR 评论
  zhijian diff --base-scheme 旧方案.toml --scheme 新方案.toml 转写/          只比较两个质检方案
  zhijian diff --base 旧规则/ --rules rules/ 转写/ --format csv -o 变化.csv  每通变化的电话一行

改前用 --base (规则目录) 和 --base-scheme (方案文件),改后用 --rules 和 --scheme;没写的一侧用内置规则。
退出码: 0 完成;1 有输入无法读取;2 用法错误、规则有错或无法写入";

const EXPLAIN_EXAMPLES: &str = "\
例子 / examples:
  zhijian explain 转写/0315-1022.txt                       一个文件一通电话
  zhijian explain 导出/calls.jsonl --call 0315-1022        文件里有多通时指定编号
  zhijian explain 识别结果/a.json --agent-speaker spk1     和 grade 一样指定客服
  NO_COLOR=1 zhijian explain a.txt > 说明.txt              不带颜色,扣分处用【】标出

未命中的原因 / why a rule did not fire:
  不适用于…渠道        规则的 channels 不含这通电话的渠道 (记为 N/A)
  不检查:…             对话结构不符 ([match.dialogue]),例如社媒帖子最后一句是客户说的
  无法判断:…           缺规则要读的东西 (时间戳、挂机方);记为无法判断,不是通过
  没有说到规则里的话   要找的话没有出现
  没有缺少要求的话     要求说的话说了 (mode = \"absent\")
  说到了要求的话:…     组合条件里要求说的话说了,后面是在哪一轮说的
  例外成立 (名字):…   要找的都在,被规则自己的一条例外 ([[match.not]]) 挡住,括号里是例外的名字 (写了 name 时),后面是例外的证据
  ××× 没有命中         引用的规则没有命中
  没有超过阈值的抢话或静音、没有照搬前面说过的话、指标没有越过阈值:…   时间、重复、指标类规则没到线
  组合条件不成立       其余 (时间、指标、随录参数) 说不清的情形
  (跳过 #n:…)          skip 跳过的套话句,不算坐席的一句";

/// How a run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `grade`: every input was graded (flagged calls are not an error); `test`: every check
    /// passed.
    Success = 0,
    /// `grade`: some inputs could not be read or parsed, and their rows carry the error;
    /// `test`: some checks failed.
    Problems = 1,
    /// The command could not run: bad usage, unusable rules, or output that could not be
    /// written.
    Failed = 2,
}

/// Why a command could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("{0}")]
    Rules(RuleErrors),
    #[error("无法写入 {}: {}", .path.display(), zhijian::zh::io(.source))]
    Write { path: PathBuf, source: io::Error },
    #[error("{0}")]
    Report(#[from] zhijian::report::ReportError),
    #[error("{0}")]
    Clash(#[from] zhijian::batch::Clash),
}

pub fn run(cli: Cli) -> Result<Status, CliError> {
    match cli.command {
        Command::Grade(args) => grade::run(&args),
        Command::Review(args) => review::run(&args),
        Command::Sample(args) => sample::run(&args),
        Command::Precision(args) => precision::run(&args),
        Command::Rescore(args) => rescore::run(&args),
        Command::Trend(args) => trend::run(&args),
        Command::Explain(args) => explain::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Diff(args) => diff::run(&args),
        Command::Rules(args) => rules::run(&args),
    }
}

/// Loads the rule set named by `--rules`, or the built-in one.
pub fn load_rules(dir: Option<&Path>, scheme: Option<&Path>) -> Result<RuleSet, CliError> {
    let mut set = match dir {
        Some(dir) => RuleSet::from_dir(dir).map_err(|e| e.under(&dir.display().to_string())),
        None => RuleSet::embedded(),
    }
    .map_err(CliError::Rules)?;
    if let Some(path) = scheme {
        let text = std::fs::read_to_string(path).map_err(|e| {
            CliError::Usage(format!(
                "无法读取质检方案 {}: {}",
                path.display(),
                zhijian::zh::io(&e)
            ))
        })?;
        let src = zhijian::rule::RuleSource {
            path: path.display().to_string(),
            text,
        };
        set.apply_scheme(&src).map_err(CliError::Rules)?;
    }
    Ok(set)
}

/// Writes a command's whole output to stdout; a reader that closed the pipe (`| head`) is not
/// an error.
fn write_stdout(text: &str) -> Result<(), CliError> {
    use io::Write;
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(write_error(None, e)),
        _ => Ok(()),
    }
}

fn write_error(path: Option<&Path>, source: io::Error) -> CliError {
    CliError::Write {
        path: path.map_or_else(|| PathBuf::from("标准输出"), Path::to_path_buf),
        source,
    }
}

#[cfg(test)]
mod tests {
    /// Every help text of every command, short and long, and every usage line is clap's layout
    /// with none of its English: the wording comes from `usage::command`'s settings, so a new
    /// option, default or value list is covered without a word to translate.
    #[test]
    fn no_help_or_usage_says_a_word_of_clap_english() {
        const ENGLISH: [&str; 12] = [
            "Usage",
            "Options",
            "Arguments",
            "Commands",
            "Print help",
            "Print version",
            "Possible values",
            "[default",
            "[possible values",
            "[OPTIONS]",
            "<COMMAND>",
            "[aliases",
        ];
        let mut top = super::usage::command();
        top.build();
        let mut texts = vec![
            top.render_help().to_string(),
            top.render_long_help().to_string(),
        ];
        for sub in top.get_subcommands_mut() {
            texts.push(sub.render_help().to_string());
            texts.push(sub.render_long_help().to_string());
            texts.push(sub.render_usage().to_string().replacen("Usage:", "", 1));
        }
        assert_eq!(
            texts.len(),
            2 + 3 * 11,
            "zhijian and its 11 commands, help included"
        );
        for text in &texts {
            for word in ENGLISH {
                assert!(!text.contains(word), "{word} in:\n{text}");
            }
        }
        let grade = &texts[2];
        assert!(
            grade.contains("用法: zhijian grade [选项] [PATH]..."),
            "{grade}"
        );
        assert!(
            grade.contains("参数:") && grade.contains("选项:"),
            "{grade}"
        );
        assert!(
            grade.contains("[默认: 16]"),
            "a default is said in the help: {grade}"
        );
        assert!(
            grade.contains("[可选值: csv, findings, jsonl, xlsx, html]"),
            "so are the values: {grade}"
        );
        assert!(grade.contains("-h, --help") && grade.contains("显示帮助 (--help 显示详细帮助)"));
        let long_grade = &texts[3];
        assert!(
            long_grade.contains("可选值:\n          - csv:      得分 CSV"),
            "the long help lists each value with its help, names in one column: {long_grade}"
        );
        assert!(texts[0].contains("命令:") && texts[0].contains("-V, --version  显示版本"));
    }

    /// Two flattened arguments with one id (`--rules DIR` and `--rule ID`, both stored as
    /// `rules`) would silently share their values; clap only checks this in debug builds.
    #[test]
    fn every_argument_of_a_command_has_its_own_id_and_name() {
        use clap::CommandFactory as _;
        let cli = super::Cli::command();
        for sub in cli.get_subcommands() {
            for key in [
                |a: &clap::Arg| Some(a.get_id().to_string()),
                |a: &clap::Arg| a.get_long().map(String::from),
                |a: &clap::Arg| a.get_short().map(String::from),
            ] {
                let mut seen: Vec<String> = sub.get_arguments().filter_map(key).collect();
                let n = seen.len();
                seen.sort();
                seen.dedup();
                assert_eq!(seen.len(), n, "zhijian {}", sub.get_name());
            }
        }
    }
}
