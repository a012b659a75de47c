//! What a run sends to each recipient: its message compiled once, then the
//! same shared text for all, or rendered per recipient when the message is
//! personalised (`domain::template`). See ARCHITECTURE.md, "Messages".

use std::sync::Arc;

use crate::domain::{
    BodyHtml, BodyText, Delivery, Fields, Personalised, RenderError, Rendered, Subject,
    UnsubscribeLinks,
};
use crate::ports::{Content, MailError};

/// The letters of one run.
#[derive(Debug)]
pub(super) struct Letters {
    /// The text as written: what everyone gets when nothing is personal.
    shared: Arc<Content>,
    /// Set when the subject or body uses template syntax.
    personal: Option<Personalised>,
    /// Set when the server has a public address to unsubscribe at.
    links: Option<UnsubscribeLinks>,
}

impl Letters {
    /// The letters of `subject` and `body_text`. Text that is not a valid
    /// template (a message saved before templates were checked) is sent as
    /// written, as it was then. A template that uses no recipient's field
    /// is rendered once, here, for everyone.
    pub(super) fn new(subject: Subject, body_text: BodyText, body_html: Option<BodyHtml>) -> Self {
        let as_written = || {
            Arc::new(Content {
                subject: subject.clone(),
                body_text: body_text.clone(),
                body_html: body_html.clone(),
            })
        };
        let (shared, personal) = match Personalised::new(&subject, &body_text, body_html.as_ref()) {
            Ok(compiled) if compiled.is_personal() => (as_written(), Some(compiled)),
            Ok(compiled) => match compiled.render(NOBODY) {
                Ok(rendered) => (Arc::new(rendered.into()), None),
                // Fails for each recipient, as a personal one would.
                Err(_) => (as_written(), Some(compiled)),
            },
            Err(refused) => {
                tracing::warn!(%refused, "the message is not a valid template; sending it as written");
                (as_written(), None)
            }
        };
        Self {
            shared,
            personal,
            links: None,
        }
    }

    /// The letters with each recipient's unsubscribe link.
    #[must_use]
    pub(super) fn with_links(mut self, links: Option<UnsubscribeLinks>) -> Self {
        self.links = links;
        self
    }

    /// `delivery`'s unsubscribe link: none without a public address, or
    /// when the recipient was deleted since launch.
    pub(super) fn unsubscribe_url(&self, delivery: &Delivery) -> Option<String> {
        Some(self.links.as_ref()?.link(delivery.recipient_id?))
    }

    /// The content `delivery`'s recipient gets, with `link` (theirs, from
    /// [`Letters::unsubscribe_url`]: made once per send, as it costs an HMAC).
    ///
    /// # Errors
    /// [`MailError::Permanent`] when the template cannot be rendered for
    /// this recipient (too much work, a subject too long): trying again
    /// would fail the same way.
    pub(super) fn for_delivery(
        &self,
        delivery: &Delivery,
        link: Option<&str>,
    ) -> Result<Arc<Content>, MailError> {
        self.render(Fields {
            full_name: delivery.full_name.as_str(),
            email: delivery.email.as_str(),
            comment: delivery.comment.as_str(),
            unsubscribe_url: link.unwrap_or_default(),
        })
        .map_err(|e| MailError::Permanent(e.to_string()))
    }

    /// The content a recipient with `fields` gets.
    ///
    /// # Errors
    /// [`RenderError`] as [`Personalised::render`].
    pub(super) fn render(&self, fields: Fields<'_>) -> Result<Arc<Content>, RenderError> {
        let Some(personal) = &self.personal else {
            return Ok(Arc::clone(&self.shared));
        };
        personal.render(fields).map(|r| Arc::new(r.into()))
    }
}

/// The fields a template that uses none is rendered with.
const NOBODY: Fields<'static> = Fields {
    full_name: "",
    email: "",
    comment: "",
    unsubscribe_url: "",
};

impl From<Rendered> for Content {
    fn from(r: Rendered) -> Self {
        Self {
            subject: r.subject,
            body_text: r.body_text,
            body_html: r.body_html,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{
        Comment, DeliveryId, EmailAddress, FullName, PublicUrl, RecipientId, RunId,
        UnsubscribeSecret,
    };

    fn delivery(name: &str, comment: &str) -> Delivery {
        Delivery {
            id: DeliveryId(1),
            run_id: RunId(1),
            recipient_id: Some(RecipientId(1)),
            email: EmailAddress::parse("anna@example.com").expect("email"),
            full_name: FullName::parse(name).expect("name"),
            comment: Comment::parse(comment).expect("comment"),
            tries: 0,
        }
    }

    fn letters(subject: &str, body: &str) -> Letters {
        Letters::new(
            Subject::parse(subject).expect("subject"),
            BodyText::parse(body).expect("body"),
            None,
        )
    }

    #[test]
    fn plain_text_is_one_shared_content_for_everyone() {
        let l = letters("Новости", "Здравствуйте!");
        let a = l.for_delivery(&delivery("Анна", ""), None).expect("a");
        let b = l.for_delivery(&delivery("Борис", ""), None).expect("b");
        assert!(Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn a_personal_message_is_rendered_for_each_recipient() {
        let l = letters("{{ full_name }}, новости", "Заметка: {{ comment }}");
        let a = l.for_delivery(&delivery("Анна", "VIP"), None).expect("a");
        assert_eq!(a.subject.as_str(), "Анна, новости");
        assert_eq!(a.body_text.as_str(), "Заметка: VIP");
        let b = l.for_delivery(&delivery("Борис", ""), None).expect("b");
        assert_eq!(b.subject.as_str(), "Борис, новости");
    }

    #[test]
    fn a_message_that_cannot_be_rendered_for_someone_fails_permanently_for_them() {
        let l = letters("{{ comment }}", "Тело");
        let err = l
            .for_delivery(&delivery("Анна", &"я".repeat(150)), None)
            .expect_err("subject too long");
        assert!(matches!(err, MailError::Permanent(_)), "{err:?}");
        assert!(err.reply().contains("subject"), "{err}");
    }

    #[test]
    fn a_template_that_uses_no_field_is_rendered_once_for_everyone() {
        let l = letters(
            "{% if true %}Новости{% endif %}",
            "{% for i in range(3) %}{{ i }}{% endfor %}",
        );
        let a = l.for_delivery(&delivery("Анна", ""), None).expect("a");
        let b = l.for_delivery(&delivery("Борис", ""), None).expect("b");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.subject.as_str(), "Новости");
        assert_eq!(a.body_text.as_str(), "012");
        // `debug()` shows the recipient's fields: personal after all.
        let l = letters("Новости", "{{ debug() }}");
        let a = l.for_delivery(&delivery("Анна", ""), None).expect("a");
        assert!(a.body_text.as_str().contains("Анна"), "{}", a.body_text);
    }

    #[test]
    fn an_old_message_that_is_not_a_valid_template_is_sent_as_written() {
        let l = letters("Скидки {{", "Тело {% x");
        let a = l.for_delivery(&delivery("Анна", ""), None).expect("a");
        assert_eq!(a.subject.as_str(), "Скидки {{");
        assert_eq!(a.body_text.as_str(), "Тело {% x");
    }

    #[test]
    fn with_a_public_address_each_recipient_gets_their_own_unsubscribe_link() {
        let secret = UnsubscribeSecret::parse(&"s".repeat(32)).expect("secret");
        let l = letters("Новости", "Отписаться: {{ unsubscribe_url }}").with_links(Some(
            UnsubscribeLinks {
                base: PublicUrl::parse("https://shop.example").expect("url"),
                secret: secret.clone(),
            },
        ));
        let d = delivery("Анна", "");
        let link = l.unsubscribe_url(&d).expect("a link");
        assert_eq!(
            link,
            format!("https://shop.example/u/{}", secret.token(RecipientId(1)))
        );
        let a = l.for_delivery(&d, Some(link.as_str())).expect("a");
        assert_eq!(a.body_text.as_str(), format!("Отписаться: {link}"));
        let deleted = Delivery {
            recipient_id: None,
            ..d
        };
        assert_eq!(l.unsubscribe_url(&deleted), None);
    }

    #[test]
    fn without_a_public_address_there_is_no_link_and_the_variable_is_empty() {
        let l = letters("Новости", "Отписаться: {{ unsubscribe_url }}.");
        let d = delivery("Анна", "");
        assert_eq!(l.unsubscribe_url(&d), None);
        assert_eq!(
            l.for_delivery(&d, None).expect("a").body_text.as_str(),
            "Отписаться: ."
        );
    }
}
