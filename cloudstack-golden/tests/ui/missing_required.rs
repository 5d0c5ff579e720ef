use cloudstack_golden::quirks::CreateWidget;

fn main() {
    // `createWidget` requires `name` and `zoneid`; only the name is given.
    let _ = CreateWidget::new("web");
}
