//! Every e-mail campuslink writes, in one place: each a function of the facts it names,
//! in zh-Hant with English beside it (the bureau's and the schools' working languages;
//! a campus's admins may read either). The steps that send them only choose recipients.

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
