//! The comment form's decoder and validator, per submission. `cargo bench --bench forms`.
use criterion::{Criterion, criterion_group, criterion_main};
use smp_guide::comments::{FormValues, NewComment, ReservedNames, decode_form};

fn benches(c: &mut Criterion) {
    let reserved = ReservedNames::of_site("The SMP Guide editorial team", "SMP Guide");
    let typical = b"comment=I+had+my+first+session+last+week.+The+numbing+cream+helped+a+lot%2C+and+the+practitioner+explained+the+aftercare+clearly.&author=Sam+Rivera&email=sam%40example.org&url=https%3A%2F%2Fexample.org%2Fblog&parent=";
    c.bench_function("decode and validate a typical comment", |b| {
        b.iter(|| {
            NewComment::parse(
                &FormValues::from_fields(decode_form(typical).unwrap()),
                &reserved,
            )
        })
    });
    let long = format!(
        "comment={}&author=A&email=a%40example.org",
        "Caf%C3%A9+".repeat(800)
    );
    c.bench_function("decode and validate a 5,000-character comment", |b| {
        b.iter(|| {
            NewComment::parse(
                &FormValues::from_fields(decode_form(long.as_bytes()).unwrap()),
                &reserved,
            )
        })
    });
}

criterion_group!(form_benches, benches);
criterion_main!(form_benches);
