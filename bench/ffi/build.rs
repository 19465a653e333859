fn main() {
    // Every entry of the cache, compiled exactly as a user's build script compiles it.
    qimeng_build::Builder::new().all_cached_entries().build();
}
