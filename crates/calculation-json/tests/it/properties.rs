//! Properties of the law, checked over generated requests.
