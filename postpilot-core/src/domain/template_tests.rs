use super::*;

fn compile(subject: &str, body: &str) -> Result<Personalised, InvalidField> {
    Personalised::new(
        &Subject::parse(subject).expect("subject"),
        &BodyText::parse(body).expect("body"),
        None,
    )
}

const ANNA: Fields<'static> = Fields {
    full_name: "Анна Петрова",
    email: "anna@example.com",
    comment: "VIP",
    unsubscribe_url: "https://news.example/u/abc",
};

#[test]
fn each_recipient_gets_their_own_name_email_comment_and_unsubscribe_link() {
    let t = compile(
        "{{ full_name }}, скидки недели",
        "Здравствуйте, {{ full_name }}!\nВаш адрес: {{ email }}.\n{% if comment %}Заметка: {{ comment }}\n{% endif %}Отписаться: {{ unsubscribe_url }}\n",
    )
    .expect("compiles");
    assert!(t.is_personal());
    let Rendered {
        subject,
        body_text: body,
        ..
    } = t.render(ANNA).expect("rendered");
    assert_eq!(subject.as_str(), "Анна Петрова, скидки недели");
    assert_eq!(
        body.as_str(),
        "Здравствуйте, Анна Петрова!\nВаш адрес: anna@example.com.\nЗаметка: VIP\nОтписаться: https://news.example/u/abc"
    );
}

#[test]
fn text_without_template_syntax_is_sent_exactly_as_written() {
    let t = compile("Скидки { 50% }", "  Цены: {a} и 100% } {\n").expect("compiles");
    assert!(!t.is_personal());
    let Rendered {
        subject,
        body_text: body,
        ..
    } = t.render(ANNA).expect("rendered");
    assert_eq!(subject.as_str(), "Скидки { 50% }");
    assert_eq!(body.as_str(), "  Цены: {a} и 100% } {");
}

#[test]
fn an_unknown_variable_is_refused_naming_the_field_line_and_column() {
    let err = compile("Привет", "Строка один\nЗдравствуйте, {{ name }}!").expect_err("unknown");
    assert_eq!(err.field, "body_text");
    assert_eq!(
        err.problem,
        Problem::UnknownVariable {
            line: 2,
            column: 18,
            name: "name".into()
        }
    );
    let said = err.to_string();
    assert!(said.contains("unknown variable `name`"), "{said}");
    assert!(said.contains("full_name, email"), "{said}");
    let err = compile("{{ first_name }}", "Тело").expect_err("unknown");
    assert_eq!(err.field, "subject");
}

#[test]
fn a_syntax_error_is_refused_with_its_line_and_column() {
    let err = compile("Привет", "Раз\nдва {{ full_name").expect_err("syntax");
    assert_eq!(err.field, "body_text");
    let Problem::Template { line, .. } = err.problem else {
        panic!("{:?}", err.problem)
    };
    assert_eq!(line, 2);
    let err = compile("{% if %}", "Тело").expect_err("syntax");
    assert_eq!(err.field, "subject");
}

#[test]
fn variables_set_in_the_template_and_builtins_are_not_unknown() {
    let t = compile(
        "Привет",
        "{% set greeting = 'Добрый день' %}{{ greeting }}, {{ full_name | upper }}{% for i in range(2) %}!{% endfor %}",
    )
    .expect("compiles");
    let body = t.render(ANNA).expect("rendered").body_text;
    assert_eq!(body.as_str(), "Добрый день, АННА ПЕТРОВА!!");
}

#[test]
fn a_template_that_works_without_end_is_stopped_and_the_email_not_sent() {
    let t = compile(
        "Привет",
        "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
    )
    .expect("compiles");
    let err = t.render(ANNA).expect_err("out of fuel");
    assert_eq!(err.field, "body_text");
    assert!(err.problem.contains("too much work"), "{}", err.problem);
}

#[test]
fn a_subject_that_renders_too_long_or_on_two_lines_is_not_sent() {
    let t = compile("{{ comment }}", "Тело").expect("compiles");
    let long = "я".repeat(101);
    let err = t
        .render(Fields {
            comment: &long,
            ..ANNA
        })
        .expect_err("too long");
    assert_eq!(err.field, "subject");
    let err = t
        .render(Fields {
            comment: "две\nстроки",
            ..ANNA
        })
        .expect_err("two lines");
    assert_eq!(err.field, "subject");
}

#[test]
fn templates_cannot_reach_files_or_other_templates() {
    assert!(
        compile("Привет", "{% include 'etc/passwd' %}").is_err()
            || compile("Привет", "{% include 'etc/passwd' %}")
                .expect("compiled")
                .render(ANNA)
                .is_err()
    );
    assert!(compile("Привет", "{{ env }}").is_err());
}

#[test]
fn positions_count_characters_not_bytes() {
    assert_eq!(line_and_column("ёж\nщука", 9), (2, 3));
    assert_eq!(
        position_of_name("Ёлка {{ x }} и {{ name }}", "name"),
        (1, 19)
    );
    assert_eq!(
        position_of_name("{{ username }} {{ name }}", "name"),
        (1, 19)
    );
}

#[test]
fn the_html_version_escapes_what_it_fills_in_and_the_text_version_does_not() {
    let t = Personalised::new(
        &Subject::parse("Привет").expect("subject"),
        &BodyText::parse("Здравствуйте, {{ full_name }}!").expect("body"),
        Some(&BodyHtml::parse("<p>Здравствуйте, <b>{{ full_name }}</b>!</p>").expect("html")),
    )
    .expect("compiles");
    let rendered = t
        .render(Fields {
            full_name: "<script>alert(1)</script> & Co",
            ..ANNA
        })
        .expect("rendered");
    assert_eq!(
        rendered.body_html.expect("html").as_str(),
        "<p>Здравствуйте, <b>&lt;script&gt;alert(1)&lt;&#x2f;script&gt; &amp; Co</b>!</p>"
    );
    assert_eq!(
        rendered.body_text.as_str(),
        "Здравствуйте, <script>alert(1)</script> & Co!"
    );
}

#[test]
fn an_unknown_variable_in_the_html_version_is_refused_naming_body_html() {
    let err = Personalised::new(
        &Subject::parse("Привет").expect("subject"),
        &BodyText::parse("Текст").expect("body"),
        Some(&BodyHtml::parse("<p>{{ name }}</p>").expect("html")),
    )
    .expect_err("unknown");
    assert_eq!(err.field, "body_html");
}
