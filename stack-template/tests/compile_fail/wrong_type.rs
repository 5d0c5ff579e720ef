// startport is an integer parameter: a string is refused.
use cloudstack_api::v4_17::participants::SecurityGroupIngress;

fn main() {
    let _rule = SecurityGroupIngress::new("Http").startport("eighty");
}
