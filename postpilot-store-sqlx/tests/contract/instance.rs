//! InstanceRepository.

use postpilot_core::ports::Store;

pub async fn the_instance_id_is_random_hex_made_once_and_the_same_on_every_read<
    S: Store + Clone + 'static,
>(
    store: S,
) {
    let first = store.instance_id().await.expect("instance id");
    assert_eq!(first.as_str().len(), 32, "{first}");
    assert!(
        first
            .as_str()
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{first}"
    );
    assert_ne!(first.as_str(), "0".repeat(32));
    for _ in 0..3 {
        assert_eq!(store.instance_id().await.expect("instance id"), first);
    }
    assert_eq!(
        store.clone().instance_id().await.expect("instance id"),
        first,
        "every handle on the database reads the same"
    );
}
