#[qimeng_macros::flash_attention(gpu = "h100", dtype = "bf16", head_dim = 128)]
pub struct Attention;

fn main() {}
