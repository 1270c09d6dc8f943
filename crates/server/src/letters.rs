//! Every e-mail campuslink writes, in one place: each a function of the facts it names.
//! Mail to the bureau and to campus admins is in zh-Hant with English beside it (their
//! working languages; a campus's admins may read either); a member's own e-mail digest
//! is in the member's language. The steps that send them only choose recipients.

use crate::i18n::Lang;
use store::{Campus, Mail, Member, School};

/// "S1-A 中學部"
pub fn campus_label(c: &Campus) -> String {
    format!("{} {}", c.code, c.name_zh)
}

/// The school and every campus named, with their codes (F2).
fn filing_lines(school: &School, campuses: &[&Campus]) -> String {
    let mut body = format!(
        "學校 School: {} {} / {} / {}\n\n校部 Campuses ({}):\n",
        school.code,
        school.name_zh,
        school.name_pt,
        school.name_en,
        campuses.len()
    );
    for c in campuses {
        body.push_str(&format!("  - {}  {} / {} / {}\n", c.code, c.name_zh, c.name_pt, c.name_en));
    }
    body
}

/// F1–F2: the filing, to the bureau.
pub fn filing_to_bureau(
    to: &str,
    number: &str,
    school: &School,
    named: &[&Campus],
    filer: &Member,
    filer_campus: &Campus,
) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!("[campuslink] 校部互聯備案 Interconnection filing {number} — {}", school.name_zh),
        body: format!(
            "校部互聯備案申請 / Campus interconnection filing\n\n備案編號 Filing number: {number}\n{}\n申請人 Filed by: {} ({}, {})\n\n\
             請在 campuslink 教育局控制台確認或拒絕。Please confirm or reject it in the campuslink bureau console.\n",
            filing_lines(school, named),
            filer.name_zh,
            filer.login,
            campus_label(filer_campus)
        ),
    }
}

/// F3: the bureau's reply, to the admins of every campus named.
pub fn filing_decided(
    to: &str,
    number: &str,
    confirmed: bool,
    reason: &str,
    school: &School,
    named: &[&Campus],
) -> Mail {
    let (zh, en) = if confirmed { ("已備案", "confirmed (filed)") } else { ("不獲接納", "rejected") };
    let next = if confirmed {
        "各校部管理員現可自行操作互聯。Campus administrators can now operate the interconnection themselves.\n"
    } else {
        "如需互聯，請修正後重新備案。To interconnect, correct the filing and file again.\n"
    };
    Mail {
        to: to.to_owned(),
        subject: format!("[campuslink] 備案 {number} {zh} — filing {number} {en}"),
        body: format!(
            "教育局回覆 / The bureau's reply\n\n備案編號 Filing number: {number}\n結果 Result: {zh} / {en}\n{}{}\n{next}",
            if reason.is_empty() { String::new() } else { format!("原因 Reason: {reason}\n") },
            filing_lines(school, named),
        ),
    }
}

/// S3: a campus accepted the invitation, to the initiator's admins.
pub fn campus_joined(to: &str, joined: &Campus, interconnection: &str) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!("[campuslink] {} 已加入互聯「{interconnection}」 — {} joined", joined.name_zh, joined.code),
        body: format!(
            "{label} 已接受邀請，加入互聯「{interconnection}」。\n{label} accepted the invitation to the interconnection \"{interconnection}\".\n\n\
             下一步：各校部選擇對外通訊錄（導入部門/成員），再由發起校部發布。\n\
             Next: each campus picks its external directory, then the initiating campus publishes.\n",
            label = campus_label(joined),
        ),
    }
}

/// D1–D2: a campus was removed (and the interconnection dissolved, with the last one),
/// to the admins of both campuses. It says what removal does, and nothing more.
pub fn campus_removed(to: &str, removed: &Campus, by: &Campus, interconnection: &str, dissolved: bool) -> Mail {
    Mail {
        to: to.to_owned(),
        subject: format!("[campuslink] {} 已移出互聯「{interconnection}」 — {} removed", removed.name_zh, removed.code),
        body: format!(
            "{r} 已由 {b} 移出互聯「{interconnection}」{dzh}。\n{r} was removed from the interconnection \"{interconnection}\" by {b}{den}.\n\n\
             兩校部即時互相看不到對方的通訊錄；跨校部的單聊轉為唯讀並保留記錄；跨校部群聊中不再互聯的成員已被移出，並保留已收到的記錄。\n\
             The two campuses no longer see each other's directory; direct chats across them are read-only with their history kept; \
             group members whose campus is no longer connected were removed from the group and keep what they had received.\n",
            r = campus_label(removed),
            b = campus_label(by),
            dzh = if dissolved { "，互聯已解除" } else { "" },
            den = if dissolved { "; the interconnection is dissolved" } else { "" },
        ),
    }
}

/// One conversation in a member's e-mail digest.
#[derive(Clone, Debug)]
pub struct DigestChat {
    /// The group's name, or for a direct chat the other person's, in the reader's language.
    pub name: String,
    /// How many messages the digest tells of there.
    pub unread: usize,
    /// One of them @mentions the reader (or @所有人).
    pub mentioned: bool,
    /// The latest of them; `None` when the reader hides previews.
    pub latest: Option<DigestLatest>,
    /// Opens the conversation in the app.
    pub url: String,
}

/// Who wrote the latest message of a conversation in a digest, and what.
#[derive(Clone, Debug)]
pub struct DigestLatest {
    pub sender: String,
    pub text: String,
    /// A picture, file or voice message it carries, with the file's name.
    pub attachment: Option<(domain::attachment::Kind, String)>,
}

/// Longest preview of a message in a digest, in characters.
const DIGEST_PREVIEW: usize = 100;

/// The e-mail digest of messages a member left unread for `hours` hours, in their own
/// language (the one their app was in when they last saved their notification
/// settings): each conversation with how many, who wrote the latest and what (unless
/// they hide previews), and links to open them; `more` conversations beyond those
/// listed are counted.
pub fn digest(
    to: &str,
    lang: Lang,
    reader: &str,
    hours: u64,
    chats: &[DigestChat],
    more: usize,
    app_url: &str,
) -> Mail {
    let total = chats.len() + more;
    let subject = match lang {
        Lang::ZhHant => format!("[campuslink] 你在 {total} 個會話中有未讀消息"),
        Lang::Pt if total == 1 => "[campuslink] Tem mensagens por ler numa conversa".to_owned(),
        Lang::Pt => format!("[campuslink] Tem mensagens por ler em {total} conversas"),
        Lang::En if total == 1 => "[campuslink] Unread messages in 1 conversation".to_owned(),
        Lang::En => format!("[campuslink] Unread messages in {total} conversations"),
    };
    let mut body = match lang {
        Lang::ZhHant => format!("{reader}，你好：\n\n以下會話中有你超過 {hours} 小時未讀的消息。\n"),
        Lang::Pt => format!(
            "Olá, {reader}.\n\nTem mensagens por ler há mais de {hours} {} nestas conversas.\n",
            if hours == 1 { "hora" } else { "horas" }
        ),
        Lang::En => format!(
            "Hello {reader},\n\nThese conversations have messages you have not read for more than {hours} {}.\n",
            if hours == 1 { "hour" } else { "hours" }
        ),
    };
    for c in chats {
        let name = if c.name.trim().is_empty() { group_chat(lang) } else { c.name.as_str() };
        body.push_str(&format!("\n• {name} — {}{}\n", unread_count(lang, c.unread), mention_note(lang, c.mentioned)));
        if let Some(l) = &c.latest {
            body.push_str(&format!("  {}: {}\n", l.sender, preview(lang, l)));
        }
        body.push_str(&format!("  {}\n", c.url));
    }
    if more > 0 {
        body.push_str(&match lang {
            Lang::ZhHant => format!("\n…還有 {more} 個會話。\n"),
            Lang::Pt if more == 1 => "\n…e mais uma conversa.\n".to_owned(),
            Lang::Pt => format!("\n…e mais {more} conversas.\n"),
            Lang::En if more == 1 => "\n…and 1 more conversation.\n".to_owned(),
            Lang::En => format!("\n…and {more} more conversations.\n"),
        });
    }
    body.push_str(&match lang {
        Lang::ZhHant => format!(
            "\n打開 campuslink：{app_url}\n\n你收到此郵件，是因為你在 campuslink 的通知設定中開啟了電郵摘要；\
             同一批消息不會再寄給你。如不想再收到，可在通知設定中關閉。\n"
        ),
        Lang::Pt => format!(
            "\nAbrir o campuslink: {app_url}\n\nRecebe este e-mail porque ativou o resumo por e-mail nas definições de \
             notificações do campuslink; as mesmas mensagens não lhe serão enviadas de novo. Para não o receber mais, \
             desative-o nessas definições.\n"
        ),
        Lang::En => format!(
            "\nOpen campuslink: {app_url}\n\nYou get this e-mail because you turned on the e-mail digest in campuslink's \
             notification settings; the same messages are not mailed to you again. To stop it, turn it off there.\n"
        ),
    });
    Mail { to: to.to_owned(), subject, body }
}

/// A group without a name of its own (the app names it after its members).
fn group_chat(lang: Lang) -> &'static str {
    match lang {
        Lang::ZhHant => "群聊",
        Lang::Pt => "Grupo",
        Lang::En => "Group chat",
    }
}

fn unread_count(lang: Lang, n: usize) -> String {
    match lang {
        Lang::ZhHant => format!("{n} 條未讀消息"),
        Lang::Pt if n == 1 => "1 mensagem por ler".to_owned(),
        Lang::Pt => format!("{n} mensagens por ler"),
        Lang::En if n == 1 => "1 unread message".to_owned(),
        Lang::En => format!("{n} unread messages"),
    }
}

fn mention_note(lang: Lang, mentioned: bool) -> &'static str {
    match (mentioned, lang) {
        (false, _) => "",
        (true, Lang::ZhHant) => "（有人@你）",
        (true, Lang::Pt) => " (mencionaram-no)",
        (true, Lang::En) => " (you were mentioned)",
    }
}

/// A message as a digest shows it: what it carries, then its text on one line, cut.
fn preview(lang: Lang, l: &DigestLatest) -> String {
    use domain::attachment::Kind;
    let tag = l.attachment.as_ref().map(|(kind, name)| match (kind, lang) {
        (Kind::Image, Lang::ZhHant) => "[圖片]".to_owned(),
        (Kind::Image, Lang::Pt) => "[Imagem]".to_owned(),
        (Kind::Image, Lang::En) => "[Picture]".to_owned(),
        (Kind::Voice, Lang::ZhHant) => "[語音]".to_owned(),
        (Kind::Voice, Lang::Pt) => "[Mensagem de voz]".to_owned(),
        (Kind::Voice, Lang::En) => "[Voice message]".to_owned(),
        (Kind::File, Lang::ZhHant) => format!("[文件] {name}"),
        (Kind::File, Lang::Pt) => format!("[Ficheiro] {name}"),
        (Kind::File, Lang::En) => format!("[File] {name}"),
    });
    let text = l.text.split_whitespace().collect::<Vec<_>>().join(" ");
    let line = match tag {
        Some(t) if text.is_empty() => t,
        Some(t) => format!("{t} {text}"),
        None => text,
    };
    if line.chars().count() > DIGEST_PREVIEW {
        format!("{}…", line.chars().take(DIGEST_PREVIEW).collect::<String>())
    } else {
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::attachment::Kind;

    fn chat(name: &str, unread: usize, latest: Option<DigestLatest>) -> DigestChat {
        DigestChat { name: name.into(), unread, mentioned: false, latest, url: "https://c.mo/chats/1".into() }
    }

    fn latest(text: &str, attachment: Option<(Kind, &str)>) -> Option<DigestLatest> {
        Some(DigestLatest {
            sender: "陳大文".into(),
            text: text.into(),
            attachment: attachment.map(|(k, n)| (k, n.to_owned())),
        })
    }

    #[test]
    fn a_digest_says_what_carries_a_message_and_cuts_long_ones() {
        let long = "字".repeat(150);
        let chats = [
            chat("", 1, latest("", Some((Kind::File, "課程表.pdf")))),
            chat("教務處", 2, latest("見附件", Some((Kind::Image, "a.jpg")))),
            chat("陳大文", 3, latest(&long, None)),
            chat("李小明", 1, latest("", Some((Kind::Voice, "voice.webm")))),
        ];
        let m = digest("t@s.mo", Lang::ZhHant, "李老師", 24, &chats, 2, "https://c.mo/");
        assert_eq!(m.subject, "[campuslink] 你在 6 個會話中有未讀消息", "the unlisted ones count");
        assert!(m.body.contains("• 群聊 — 1 條未讀消息\n  陳大文: [文件] 課程表.pdf\n"), "{}", m.body);
        assert!(m.body.contains("  陳大文: [圖片] 見附件\n"), "{}", m.body);
        assert!(m.body.contains(&format!("  陳大文: {}…\n", "字".repeat(DIGEST_PREVIEW))), "{}", m.body);
        assert!(m.body.contains("  陳大文: [語音]\n"), "{}", m.body);
        assert!(m.body.contains("…還有 2 個會話。"), "{}", m.body);
        assert!(m.body.contains("打開 campuslink：https://c.mo/"), "{}", m.body);
    }

    #[test]
    fn a_digest_is_in_the_members_language_with_its_plurals() {
        let one = [DigestChat { mentioned: true, ..chat("Conselho", 1, None) }];
        let pt = digest("t@s.mo", Lang::Pt, "Ana", 1, &one, 1, "https://c.mo/");
        assert_eq!(pt.subject, "[campuslink] Tem mensagens por ler em 2 conversas");
        assert!(pt.body.starts_with("Olá, Ana.\n\nTem mensagens por ler há mais de 1 hora"), "{}", pt.body);
        assert!(pt.body.contains("• Conselho — 1 mensagem por ler (mencionaram-no)\n  https://c.mo/chats/1\n"));
        assert!(pt.body.contains("…e mais uma conversa."), "{}", pt.body);
        let en = digest("t@s.mo", Lang::En, "Ana", 48, &[chat("Staff", 4, None)], 0, "https://c.mo/");
        assert_eq!(en.subject, "[campuslink] Unread messages in 1 conversation");
        assert!(en.body.contains("for more than 48 hours") && en.body.contains("• Staff — 4 unread messages\n"));
        assert!(!en.body.contains("more conversation"), "{}", en.body);
    }
}
