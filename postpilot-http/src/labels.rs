//! What the Russian UI (and the CLI's tables) call each status: the core
//! keeps only the codes and the rules (ARCHITECTURE.md, "Domain").

use postpilot_core::{AttemptStatus, MailingStatus};

/// A mailing's status as the UI shows it: `Создана`, `Запущена`, `Завершена`.
pub fn mailing_status(status: MailingStatus) -> &'static str {
    match status {
        MailingStatus::Created => "Создана",
        MailingStatus::Running => "Запущена",
        MailingStatus::Completed => "Завершена",
    }
}

/// An attempt's status as the UI shows it: `Успешно`, `Не успешно`.
pub fn attempt_status(status: AttemptStatus) -> &'static str {
    match status {
        AttemptStatus::Success => "Успешно",
        AttemptStatus::Failure => "Не успешно",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_follow_the_specification() {
        let all = [
            MailingStatus::Created,
            MailingStatus::Running,
            MailingStatus::Completed,
        ];
        let labels: Vec<_> = all.into_iter().map(mailing_status).collect();
        assert_eq!(labels, ["Создана", "Запущена", "Завершена"]);
        assert_eq!(attempt_status(AttemptStatus::Success), "Успешно");
        assert_eq!(attempt_status(AttemptStatus::Failure), "Не успешно");
    }
}
