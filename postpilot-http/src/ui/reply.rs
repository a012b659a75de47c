//! A recorded response, for people who read Russian: the kind of failure
//! in Russian before the server's own words, which are kept verbatim. The
//! core records `temporary failure: …`, `permanent failure: …`, `unknown
//! outcome: …` and `not sent: …` (language-neutral); this is the one place
//! that reads those prefixes.

use maud::{html, Markup};
use postpilot_core::usecases::GAVE_UP;

use super::format::count as count_words;

/// The recorded prefixes and the kind each names.
const KINDS: [(&str, &str); 4] = [
    ("temporary failure: ", "временная ошибка"),
    ("permanent failure: ", "постоянная ошибка"),
    ("unknown outcome: ", "исход неизвестен"),
    ("not sent: ", "не отправлено"),
];

/// Our own reasons for not sending, in Russian (the server said nothing).
const REASONS: [(&str, &str); 2] = [
    (
        "the mailing's end time passed",
        "время окончания отправки рассылки прошло",
    ),
    ("the recipient was deleted", "получатель удалён"),
];

/// A response split into its kind in Russian (`None` for a reply with no
/// prefix, such as the server's `250 …`) and the rest.
pub(crate) fn kind_of(response: &str) -> (Option<&'static str>, &str) {
    KINDS
        .iter()
        .find_map(|(prefix, kind)| {
            response
                .strip_prefix(prefix)
                .map(|rest| (Some(*kind), rest))
        })
        .unwrap_or((None, response))
}

/// The response as a cell shows it: the kind in Russian, then the server's
/// words verbatim (our own reasons for not sending in Russian).
pub(crate) fn reply(response: &str) -> Markup {
    if let Some(down) = gave_up(response) {
        return html! { span.kind { "не отправлено" } ": " (down) };
    }
    match kind_of(response) {
        (Some(kind), rest) => {
            let own = REASONS
                .iter()
                .find_map(|(reason, russian)| (rest == *reason).then_some(*russian));
            html! {
                span.kind { (kind) } ": "
                @match own { Some(russian) => (russian), None => code { (rest) } }
            }
        }
        (None, rest) => html! { code { (rest) } },
    }
}

/// For a response recorded when the run gave up on the server (`not sent:
/// gave up after N temporary failures in a row; last: …`): that, in
/// Russian, with the last failure as [`reply`] shows it.
pub(crate) fn gave_up(response: &str) -> Option<Markup> {
    let (count, last) = gave_up_parts(response)?;
    Some(html! {
        "почтовый сервер недоступен — "
        (count_words(count, ["временная ошибка", "временные ошибки", "временных ошибок"]))
        " подряд; последняя: " (reply(last))
    })
}

/// How many temporary failures in a row made the run give up, and the
/// last of them, from the response recorded for what it left.
pub(crate) fn gave_up_parts(response: &str) -> Option<(u64, &str)> {
    let (count, last) = response
        .strip_prefix(GAVE_UP)?
        .strip_prefix(" after ")?
        .split_once(" temporary failures in a row; last: ")?;
    Some((count.parse().ok()?, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_recorded_kind_reads_in_russian_before_the_servers_words_kept_verbatim() {
        let shown = |r: &str| reply(r).into_string();
        assert_eq!(
            shown("permanent failure: 550 5.1.1 <b@example.com>: Recipient address rejected"),
            r#"<span class="kind">постоянная ошибка</span>: <code>550 5.1.1 &lt;b@example.com&gt;: Recipient address rejected</code>"#
        );
        assert_eq!(
            shown("temporary failure: connection refused: 127.0.0.1:25"),
            r#"<span class="kind">временная ошибка</span>: <code>connection refused: 127.0.0.1:25</code>"#
        );
        assert_eq!(
            shown("unknown outcome: connection lost after the message was sent"),
            r#"<span class="kind">исход неизвестен</span>: <code>connection lost after the message was sent</code>"#
        );
        assert_eq!(
            shown("not sent: the mailing's end time passed"),
            r#"<span class="kind">не отправлено</span>: время окончания отправки рассылки прошло"#
        );
        assert_eq!(
            shown("not sent: the recipient was deleted"),
            r#"<span class="kind">не отправлено</span>: получатель удалён"#
        );
        assert_eq!(
            shown("250 2.0.0 Ok: queued as 3F2A"),
            "<code>250 2.0.0 Ok: queued as 3F2A</code>"
        );
    }

    #[test]
    fn a_run_that_gave_up_says_the_server_is_down_with_its_last_failure() {
        let shown = reply(
            "not sent: gave up after 100 temporary failures in a row; \
             last: temporary failure: connection refused: 127.0.0.1:25",
        )
        .into_string()
        .replace('\u{a0}', " ");
        assert_eq!(
            shown,
            r#"<span class="kind">не отправлено</span>: почтовый сервер недоступен — 100 временных ошибок подряд; последняя: <span class="kind">временная ошибка</span>: <code>connection refused: 127.0.0.1:25</code>"#
        );
        assert!(gave_up("not sent: gave up").is_none(), "not the full form");
        assert!(gave_up("permanent failure: 550 gave up").is_none());
    }
}
