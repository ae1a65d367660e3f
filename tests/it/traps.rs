//! Sentences that look like a rule's phrase but are not, and the variants that are: each is a
//! whole call graded by the built-in rules through the library API.

use std::sync::LazyLock;

use zhijian::grade::grade_call;
use zhijian::input::parse_text;
use zhijian::rule::{Evidence, Quote, RuleSet};

static RULES: LazyLock<RuleSet> = LazyLock::new(|| RuleSet::embedded().unwrap());

/// Rule ids that fire on a one-off transcript.
fn fired(transcript: &str) -> Vec<String> {
    let call = parse_text(transcript, "trap").unwrap();
    let outcome = grade_call(&RULES, call);
    outcome
        .card
        .hit_counts
        .into_iter()
        .map(|(id, _)| id)
        .collect()
}

fn assert_fires(rule: &str, transcript: &str) {
    let got = fired(transcript);
    assert!(
        got.iter().any(|id| id == rule),
        "{rule} should fire on:\n{transcript}\nfired: {got:?}"
    );
}

fn assert_silent(rule: &str, transcript: &str) {
    let got = fired(transcript);
    assert!(
        !got.iter().any(|id| id == rule),
        "{rule} should not fire on:\n{transcript}\nfired: {got:?}"
    );
}

#[test]
fn wei_is_a_word_not_a_character() {
    for agent in ["喂?您好", "喂喂,能听到吗", "喂喂喂,先生?", "餵,您好"] {
        assert_fires("OPN001", &format!("客服：{agent}\n客户：在的。"));
    }
    for agent in [
        "您好,母乳喂养期间可以办理",
        "您好,宝宝喂奶的时间建议间隔三小时",
        "您好,宠物喂食器的订单我帮您查一下",
        "您好,猫粮投喂要注意分量",
    ] {
        assert_silent("OPN001", &format!("客服：{agent}\n客户：好的。"));
    }
    assert_silent("OPN001", "客户：喂?喂?\n客服：您好,能听到。");
}

#[test]
fn ninhao_only_in_the_first_agent_turn() {
    assert_fires(
        "OPN002",
        "客服：你好,请讲。\n客户：查话费。\n客服：您好,请稍等。",
    );
    assert_silent("OPN002", "客户：喂?\n客服：您好,请讲。\n客服：你好你好。");
}

#[test]
fn self_introduction_variants() {
    for intro in [
        "您好,工号1024为您服务",
        "您好,8号话务员为您服务",
        "您好,我是客服小王",
        "您好,我姓李,请问有什么可以帮您",
        "您好,客服代表张敏为您服务",
        "您好,工号是A0123",
        "您好,3号话务员很高兴为您服务",
        "您好,工号2400号为您服务",
    ] {
        assert_silent("OPN003", &format!("客服：{intro}\n客户：你好。"));
    }
    for no_intro in [
        "您好,很高兴为您服务",
        "您好,中国电信10000号为您服务",
        "您好,客服代表很高兴为您服务",
        "您好,我是说您的套餐已经到期了",
    ] {
        assert_fires(
            "OPN003",
            &format!("客服：{no_intro}\n客户：你好。\n客服：请讲。"),
        );
    }
}

#[test]
fn women_commitment_versus_description() {
    assert_fires("RSP001", "客户：什么时候修?\n客服：我们会尽快安排。");
    assert_fires("RSP001", "客户：什么时候退?\n客服：我们这边马上帮您处理。");
    for descriptive in [
        "我们公司有三种套餐",
        "我们公司的套餐都包含来电显示",
        "我们营业厅在人民路",
        "我们会员积分可以兑换话费",
        "我们给您的优惠是八折",
    ] {
        assert_silent("RSP001", &format!("客户：问一下。\n客服：{descriptive}。"));
    }
}

#[test]
fn forbidden_phrases_and_their_polite_lookalikes() {
    for rude in [
        "不知道",
        "这个不清楚",
        "没办法",
        "你自己去查",
        "随便你",
        "你问我我问谁",
        "我已经说过了",
    ] {
        assert_fires("LNG001", &format!("客户：怎么办?\n客服：{rude}。"));
    }
    for polite in [
        "不知道您现在方便吗",
        "不知道是否打扰您",
        "我想办法帮您解决",
        "您那边声音有点听不清楚",
        "如果您不知道密码我帮您重置",
        "有不清楚的地方随时问我",
        "我不管多晚都给您回电",
    ] {
        assert_silent("LNG001", &format!("客户：怎么办?\n客服：{polite}。"));
    }
}

#[test]
fn insults_are_fatal_but_washing_machines_are_not() {
    let call = parse_text("客户：你们太差了!\n客服：你有病吧,滚!", "x").unwrap();
    let card = grade_call(&RULES, call).card;
    assert_eq!(card.score, 0);
    assert_eq!(card.tier, "不达标");
    assert!(card.flagged);
    assert!(card.flag_reasons.contains(&"LNG002".to_string()));
    for fine in [
        "您的滚筒洗衣机型号是多少",
        "请把页面往下滚一下",
        "屏幕上的滚动字幕",
        "USB接口在侧面",
    ] {
        assert_silent("LNG002", &format!("客户：你好。\n客服：{fine}。"));
    }
}

#[test]
fn upset_customer_needs_soothing_within_two_agent_turns() {
    assert_fires(
        "EMP001",
        "客户：你们什么态度!\n客服：说事吧。\n客户：……\n客服：查到了。",
    );
    assert_silent(
        "EMP001",
        "客户：你们什么态度!\n客服：说事吧。\n客户：……\n客服：不好意思,刚才是我语气不好。",
    );
    // The call ended right after the complaint: nothing the agent could have said was missed.
    assert_silent("EMP001", "客服：您好。\n客户：太差了,我要投诉!");
}

#[test]
fn unresolved_only_counts_at_the_end() {
    assert_fires(
        "RES001",
        "客户：网又断了。\n客服：您再试试。\n客户：还是不行。\n客服：那我报修。\n客户：算了算了。",
    );
    assert_silent(
        "RES001",
        "客户：还是不行。\n客服：您重启一下光猫。\n客户：好了,能上了。\n客户：谢谢啊。",
    );
    assert_silent(
        "RES001",
        "客服：退款三天到账。\n客户：我算了一下,来得及。\n客户：好的。",
    );
}

#[test]
fn timing_rules_need_timestamps() {
    let interrupt =
        "[00:01.0-00:06.0] 客户：我想说的是那个套餐\n[00:04.0-00:07.0] 客服：我知道,您听我说。";
    assert_fires("LST001", interrupt);
    assert_silent("LST001", "客户：我想说的是那个套餐\n客服：我知道。");
    let silence = "[00:01.0-00:03.0] 客户：查一下余额。\n[00:03.5-00:04.0] 客服：好。\n[00:20.0-00:22.0] 客服：余额 30 元。";
    assert_fires("LST002", silence);
    let excused = "[00:01.0-00:03.0] 客户：查一下余额。\n[00:03.5-00:04.0] 客服：好的,请您稍等。\n[00:20.0-00:22.0] 客服：余额 30 元。";
    assert_silent("LST002", excused);
}

#[test]
fn traditional_characters_match_simplified_rules() {
    assert_fires("LNG001", "客戶：怎麼辦?\n客服：不知道,你自己去查。");
    assert_fires("EMP003", "客戶：等了半天才接通!\n客服：請講。");
    assert_silent("EMP003", "客戶：等了半天才接通!\n客服：抱歉讓您久等了。");
}

#[test]
fn evidence_quotes_the_original_characters() {
    let call = parse_text("客戶：怎麼辦?\n客服：您好，這個我不清楚。", "t").unwrap();
    let outcome = grade_call(&RULES, call);
    let lng = RULES.rules.iter().position(|r| r.id == "LNG001").unwrap();
    let hit = outcome.hits.iter().find(|h| h.rule == lng).unwrap();
    assert_eq!(
        hit.evidence,
        Evidence::Said(Quote {
            start: 6,
            end: 9,
            text: "不清楚".into(),
            similar: None,
            sounds_like: None,
        })
    );
    assert_eq!(hit.turn, 1);
}

#[test]
fn caps_limit_deductions_but_not_evidence() {
    let call = parse_text(
        "客户：怎么办?\n客服：不知道。不清楚。没办法。随便你。你自己去查。",
        "t",
    )
    .unwrap();
    let outcome = grade_call(&RULES, call);
    assert_eq!(
        outcome
            .card
            .hit_counts
            .iter()
            .find(|(id, _)| id == "LNG001")
            .unwrap()
            .1,
        5
    );
    // 100 − 3×5 (LNG001 capped) − 5 (OPN002) − 3 (OPN003) − 3 (CLS001) = 74.
    assert_eq!(outcome.card.score, 74);
    assert_eq!(outcome.card.tier, "不达标");
}

#[test]
fn phrasings_found_in_review() {
    assert_silent(
        "RSP001",
        "客户：怎么扣费?\n客服：我们会在每月1号自动扣费,我们联系电话是10086。",
    );
    assert_silent(
        "RSP002",
        "客户：快递没到。\n客服：我这边马上帮您找快递去核实。",
    );
    assert_fires("RSP002", "客户：这个谁管?\n客服：这个不归我们部门管。");
    assert_silent(
        "EMP003",
        "客户：我家固话一直打不通。\n客服：我帮您查一下线路。",
    );
    assert_silent(
        "CLS001",
        "客户：好的。\n客服：请问还有别的事吗?\n客户：没了。\n客服：好的。",
    );
    assert_fires(
        "LNG001",
        "客户：就是那个……\n客服：我不知道你说的是什么意思。",
    );
    assert_silent(
        "EMP001",
        "客户：我上周那个投诉处理得怎么样了?\n客服：我帮您查一下。\n客服：已经在处理了。",
    );
    assert_fires(
        "RES001",
        "客户：师傅什么时候上门?\n客服：我查一下。还有什么问题?\n客户：你们说好了今天上门的,到现在也没人来!",
    );
    assert_silent(
        "RES002",
        "客服：请提供身份证号。\n客户：好了,身份证号是110105。",
    );
}

/// An agent sentence inside an otherwise flawless call.
fn agent_says(sentence: &str) -> String {
    format!(
        "客服：您好,工号1024为您服务,请问有什么可以帮您?\n客户：我想咨询一下。\n客服：{sentence}\n客户：好的。\n客服：请问还有其他可以帮您的吗?感谢您的来电,再见。"
    )
}

/// A customer sentence after an agent turn that neither apologises nor closes.
fn customer_says(sentence: &str) -> String {
    format!("客服：您好,工号1024为您服务,请问有什么可以帮您?\n客户：{sentence}\n客服：请讲。\n客服：好的,我看一下。")
}

#[test]
fn ordinary_business_talk_is_not_an_insult_or_blame() {
    for s in [
        "要是机主是你妈的话,得你妈本人带身份证来。",
        "可能是您手机本身有毛病吧,您把有毛病的那台寄回来。",
        "请问你是不是有病史?",
        "像你这种人脸识别不通过的,可以到柜台办。",
        "刷脸时请不要脸部有遮挡。",
        "视障、智障客户都可以办理爱心卡。",
        "被保险人是神经病患者也可以投保。",
    ] {
        assert_silent("LNG002", &agent_says(s));
    }
    for s in [
        "非常抱歉让您久等了,今天咨询电话特别多。",
        "专家座席现在转接不过来,我先帮您登记。",
        "是谁让你转账的?",
        "根据合同上面的规定,需要本人办理。",
        "系统升级期间没办法办理,明早8点后我第一时间给您回电。",
    ] {
        assert_silent("RSP002", &agent_says(s));
    }
    for s in [
        "我帮您看看有没有办法加急。",
        "您那边听得不太清楚。",
        "如果您对套餐不太了解,我给您介绍。",
        "上门时间随便您选。",
        "您自己看一下短信里的验证码,千万不要告诉任何人。",
    ] {
        assert_silent("LNG001", &agent_says(s));
    }
}

#[test]
fn blunt_phrasings_are_caught() {
    for s in ["你是傻子吗", "你他妈听不懂人话是吧", "真是个二百五"] {
        assert_fires("LNG002", &agent_says(s));
    }
    for s in [
        "这个您直接联系商家吧,我们平台管不了。",
        "这个你得问商家,跟我们平台没关系。",
        "是您自己输错了密码。",
        "我就是个接电话的,我也没权限。",
    ] {
        assert_fires("RSP002", &agent_says(s));
    }
    for s in [
        "这个我不懂。",
        "我没法帮你,你爱信不信。",
        "换货规则都写着,你自己看。",
    ] {
        assert_fires("LNG001", &agent_says(s));
    }
}

#[test]
fn neutral_questions_do_not_count_as_complaints() {
    for s in [
        "要凭什么证件?",
        "收到货不满意可以退吗?",
        "我上周投诉的那个,处理得怎么样了?",
        "接到一个骗子电话,想问怎么举报。",
    ] {
        assert_silent("EMP001", &customer_says(s));
    }
    for s in ["你们这服务太垃圾了!", "太坑了吧,乱扣费!"] {
        assert_fires("EMP001", &customer_says(s));
    }
    for s in [
        "我不是要投诉你们,就是问问。",
        "看来没白打电话,谢谢你啊。",
        "这个积分有什么用啊?",
        "那个优惠就算了,主要是网修好了。",
    ] {
        assert_silent("RES001", &format!("客服：您好,我是小王。\n客户：{s}"));
    }
    // The customer's verdict after the agent's answer; the same words as the opening line are
    // the reason for the call (`after_reply`), not its outcome.
    for s in ["我要去工信部申诉。", "问了等于白问。"] {
        assert_fires(
            "RES001",
            &format!("客服：您好,我是小王。\n客户：积分怎么清零了?\n客服：这是规则。\n客户：{s}"),
        );
        assert_silent(
            "RES001",
            &format!("客服：您好,我是小王。\n客户：{s}\n客服：非常抱歉,我马上帮您处理。\n客户：好的,谢谢。"),
        );
    }
}

#[test]
fn soliciting_a_rating_versus_inviting_one() {
    for s in [
        "待会儿短信评价麻烦给个非常满意哦。",
        "记得给我打个满分,谢谢。",
        "挂机后记得给我打10分。",
        "店铺那边帮我点个好评。",
        "您给个满意就行。",
        "您可千万别给我差评呀。",
        "評價的時候選滿意哦。",
        "好评返现五块钱,记得带图哦。",
    ] {
        assert_fires("LNG004", &agent_says(s));
    }
    for s in [
        "稍后会有满意度回访短信,请您根据真实感受评价。",
        "欢迎对我的服务提出宝贵意见。",
        "您对处理结果满意吗?",
        "我一定给您一个满意的答复。",
        "您给我十分钟,我帮您查一下。",
        "麻烦您给个满意度评价。",
        "不要着急,不满意的话可以七天无理由退货。",
        "谢谢您的认可,也感谢您的五星好评。",
    ] {
        assert_silent("LNG004", &agent_says(s));
    }
    // The customer offering praise is not solicited.
    assert_silent(
        "LNG004",
        "客户：你服务真好,我给你好评,给你打满分。\n客服：谢谢您的认可。",
    );
}

#[test]
fn a_callback_needs_a_time_frame_somewhere_in_the_call() {
    for s in [
        "我帮您反馈上去,会有专人联系您。",
        "有结果了第一时间通知您。",
        "我这边处理完给您回个电话。",
        "您三天前办的申请我帮您催一下,稍后给您回电。",
    ] {
        assert_fires("RES003", &agent_says(s));
    }
    for s in [
        "两个工作日内会有专人联系您。",
        "我们24小时之内给您回电。",
        "稍后给您回电,最晚今天下午五点前。",
        "明天上午给您回复。",
        "三到五个工作日内有结果,到时候通知您。",
        "半小时内给您回个电话。",
        "五分钟左右给您回电。",
        "不用给您回电了,我现在就帮您查好了。",
        "您可以随时回电,回电号码是10000。",
        "刚才给您回电没打通,方便联系您的电话是这个号吗?",
        "退款到账后会有短信通知您。",
        "我通知您一下,明天小区停水。",
    ] {
        assert_silent("RES003", &agent_says(s));
    }
    // The time frame may come later, when the customer asks.
    assert_silent(
        "RES003",
        "客服：我帮您提交了工单,稍后给您回电。\n客户：稍后是多久?\n客服：一个小时以内。",
    );
    // A 24-hour hotline is not a deadline.
    assert_fires(
        "RES003",
        "客服：我们24小时热线都有人,有结果了会联系您。\n客户：好。",
    );
}

#[test]
fn escalation_risk_needs_a_threat_and_a_failure() {
    // Threat + blame-shifting.
    assert_fires(
        "RSK001",
        "客户：再不处理我就打12315!\n客服：这个不归我管。\n客户：行,我去12315。",
    );
    // Threat, but soothed and solved.
    assert_silent(
        "RSK001",
        "客户：再不处理我就打12315!\n客服：非常抱歉给您添麻烦了,我马上帮您处理。\n客户：你快点。\n客服：已经给您退回了。\n客户：收到了,好了,谢谢。",
    );
    // Failure, but the customer only asks about an earlier complaint.
    assert_silent(
        "RSK001",
        "客户：我上次投诉的进度怎么样了?\n客服：还在处理。\n客户：还是没解决啊。",
    );
    // The digits inside an account number are not a hotline.
    assert_silent(
        "RSK001",
        "客户：账号是6228412315667788,转账失败。\n客服：这是系统的问题,我这边也没办法。\n客户：好吧。",
    );
    // Being sued is not threatening to sue.
    assert_silent(
        "RSK001",
        "客户：我被起诉了,你们怎么回事?\n客服：请提供身份证号。\n客户：110105。\n客服：查到了。",
    );
}
