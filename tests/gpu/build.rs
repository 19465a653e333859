fn main() {
    // Every entry of the cache, so a new entry is tested without touching the tests.
    qimeng_build::Builder::new().all_cached_entries().build();
}
