fn main() {
    qimeng_build::Builder::new().build();
}
