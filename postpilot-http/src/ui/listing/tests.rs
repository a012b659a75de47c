//! Reading a list's query: bad values never an error.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    Name,
}

const ORDERS: Orders<Col> = Orders {
    codes: &[("id", Col::Id), ("name", Col::Name)],
    default_direction: Direction::Descending,
};

fn query(path: &str) -> Query {
    Query::from_uri(&path.parse::<Uri>().expect("uri"), &ORDERS, &["status"])
}

#[test]
fn unknown_orders_and_pages_that_are_no_numbers_fall_back_to_the_defaults() {
    let q = query("/x?sort=nope&dir=up&page=abc");
    assert_eq!(q.sort(&ORDERS).column, Col::Id);
    assert_eq!(q.direction, Direction::Descending);
    assert_eq!(q.page, 1);
    assert_eq!(query("/x?page=0").page, 1);
    assert_eq!(query("/x?sort=name").direction, Direction::Ascending);
}

#[test]
fn links_keep_the_search_the_filters_and_the_order() {
    let q = query("/x?q=%D0%98%D0%B2&status=failure&sort=name&dir=desc&page=3");
    assert_eq!(
        q.url("/x", q.sort, q.direction, 4),
        "/x?q=%D0%98%D0%B2&status=failure&sort=name&dir=desc&page=4"
    );
    assert_eq!(q.filter("status"), Some("failure"));
}

#[tokio::test]
async fn a_page_past_the_end_shows_the_last_one_and_says_which_was_asked() {
    let fetch = |slice: Slice| async move {
        let items: Vec<u64> = (slice.offset..120).take(slice.limit as usize).collect();
        Ok::<_, ()>(Listed { items, total: 120 })
    };
    let shown = fetch_page(402, fetch).await.expect("shown");
    assert_eq!((shown.number, shown.past_end), (3, Some(402)));
    assert_eq!(shown.listed.items.first(), Some(&100));
    let shown = fetch_page(u64::MAX, fetch).await.expect("shown");
    assert_eq!(shown.number, 3);
    let shown = fetch_page(2, fetch).await.expect("shown");
    assert_eq!((shown.number, shown.past_end), (2, None));
}
