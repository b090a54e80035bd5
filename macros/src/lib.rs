//! `#[actor]`: an actor whose public methods are its messages (seed 000's proxies, written by
//! the compiler instead of a code generator). Use it as `backstage_core::actor` (feature
//! `macros` of `backstage-core`).
//!
//! Put it on the actor's inherent `impl` block. Every public method that takes `&self` or
//! `&mut self` becomes a message; the macro writes a typed proxy, `{Type}Proxy`, with the same
//! methods:
//!
//! ```
//! use backstage_core::{actor, Actor, ManualDriver, Runtime};
//!
//! #[derive(Default)]
//! struct Counter {
//!     total: u64,
//! }
//! impl Actor for Counter {}
//!
//! #[actor]
//! impl Counter {
//!     /// Adds `n` (a tell: the proxy method returns at once).
//!     pub fn increment(&mut self, n: u64) {
//!         self.total += n;
//!     }
//!
//!     /// The total (an ask: the proxy method returns a future of the reply).
//!     pub fn get(&self) -> u64 {
//!         self.total
//!     }
//! }
//!
//! let mut driver = ManualDriver::default();
//! // Activation by id: created (with `Default`) on first use, found afterwards.
//! let counter = driver.actor::<Counter>("counter-1").unwrap();
//! counter.increment(5);
//! counter.increment(2);
//! assert_eq!(driver.block_on(counter.get()), Some(Ok(7)));
//! ```
//!
//! # Methods
//!
//! - **Parameters** are owned values (`String`, not `&str`). One of them may be the actor's
//!   context, `ctx: &mut Context<'_, Self>`, anywhere in the list; it is not part of the
//!   message.
//! - **Returns**: a method returning nothing (or `Result<(), E>`) is a *tell*: the proxy
//!   method queues the call and returns `()`. Any other return type `T` makes it an *ask*: the
//!   proxy method returns [`Ask<T>`](../backstage_core/struct.Ask.html), a future (`.await` it,
//!   or `driver.block_on(..)`); inside a handler, which cannot await, `.then(ctx, |actor,
//!   reply, ctx| ..)` hands the reply to a continuation.
//! - **Errors**: a method returning `Result<T, E>` replies with the `T`; an `Err(e)` is the
//!   handler's failure, as with a hand-written `Handler`: the asker gets
//!   `AskError::Failed` with `e`'s text (or `e` itself if it is an `ActorError`), and the
//!   actor's supervisor decides what happens to it. `E` only needs `Display`. To answer with
//!   an error *value* instead, return a type that is not spelled `Result` (an enum, or a type
//!   alias such as `type Outcome = Result<u64, Refused>`).
//! - Methods that are private or take no `self` are left alone. `self` by value, `async`,
//!   generic methods, borrowed parameters and `impl Trait` are rejected with an error that
//!   points at them:
//!
//! ```compile_fail
//! # use backstage_core::{actor, Actor};
//! # #[derive(Default)] struct Greeter;
//! # impl Actor for Greeter {}
//! #[actor]
//! impl Greeter {
//!     // error: actor method parameters are owned values (a message outlives the call)
//!     pub fn greet(&mut self, name: &str) {}
//! }
//! ```
//!
//! ```compile_fail
//! # use backstage_core::{actor, Actor};
//! # #[derive(Default)] struct Greeter;
//! # impl Actor for Greeter {}
//! #[actor]
//! impl Greeter {
//!     // error: async actor methods are not supported
//!     pub async fn greet(&mut self, name: String) {}
//! }
//! ```
//!
//! # What is generated
//!
//! For `impl Counter` with methods `increment` and `get`:
//!
//! - `CounterProxy`: a cheap, cloneable handle that derefs to
//!   [`ActorRef<Counter>`](../backstage_core/struct.ActorRef.html) (so `id()`, `stop()`,
//!   `poison()` and `ask(msg)` work on it), with one method per actor method, plus
//!   `within(timeout)`, a copy whose asks fail with `ASK_TIMEOUT` after `timeout`. Get one with
//!   `rt.actor::<Counter>(id)` (activation by id) or `rt.proxy(&addr)`.
//! - the messages, one tuple struct per method named after the type and the method, with
//!   the method's parameters in order: `CounterIncrement(pub u64)` and `CounterGet`, each a
//!   `Message` handled by `Counter`. They are the names to use with the core's typed API
//!   (`driver.tell(&addr, CounterIncrement(5))`) and to subscribe a method to a stream
//!   (`news.subscribe(&reader, ReaderHandleNews)`).
//! - `impl ProxyActor for Counter`, and, for calls that cross a boundary,
//!   `impl Dispatch for Counter` and `WireMessage` for each message: the CBOR wire form,
//!   where a method's id is its name (see `backstage_core::wire`).
//!
//! # Options
//!
//! - `#[actor(vis = pub)]`: the visibility of the proxy and the messages (any visibility:
//!   `pub`, `pub(crate)`...). They are private by default, like a `struct` without `pub`,
//!   because a proxy cannot be more visible than its actor and the macro cannot see the actor's
//!   declaration. The proxy's methods keep the visibility of the actor's methods.
//! - `#[actor(local)]`: no wire form, for actors whose arguments or replies are not serde types
//!   (an `Addr`, a closure). Their proxies work the same on their own system.
//! - `#[actor(crate = path)]`: where `backstage_core` is, if it is renamed.
//!
//! # Streams
//!
//! A method with one parameter can be subscribed to a typed stream: each element is delivered
//! as that method's message.
//!
//! ```
//! use backstage_core::{actor, Actor, ManualDriver, Runtime};
//!
//! #[derive(Default)]
//! struct Reader {
//!     seen: Vec<String>,
//! }
//! impl Actor for Reader {}
//!
//! #[actor]
//! impl Reader {
//!     pub fn handle_news(&mut self, headline: String) {
//!         self.seen.push(headline);
//!     }
//!     pub fn seen(&self) -> Vec<String> {
//!         self.seen.clone()
//!     }
//! }
//!
//! let mut driver = ManualDriver::default();
//! let reader = driver.actor::<Reader>("reader").unwrap();
//! let news = driver.stream_ref::<String>("news").unwrap();
//! news.subscribe(&reader, ReaderHandleNews);
//! news.next("Backstage 0.1 released".to_string());
//! assert_eq!(
//!     driver.block_on(reader.seen()),
//!     Some(Ok(vec!["Backstage 0.1 released".to_string()]))
//! );
//! ```
#![warn(missing_docs, rust_2018_idioms)]

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as Tokens, TokenTree};
use quote::{format_ident, quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{
    parse_macro_input, FnArg, Ident, ImplItem, ImplItemFn, ItemImpl, Pat, Path, ReturnType, Type,
    Visibility,
};

/// Turns the public methods of an actor's `impl` block into its messages and writes a typed
/// proxy: see the [crate docs](crate).
#[proc_macro_attribute]
pub fn actor(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut options = Options {
        local: false,
        krate: syn::parse_quote!(::backstage_core),
        vis: Visibility::Inherited,
    };
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("local") {
            options.local = true;
            Ok(())
        } else if meta.path.is_ident("crate") {
            options.krate = meta.value()?.parse()?;
            Ok(())
        } else if meta.path.is_ident("vis") {
            options.vis = meta.value()?.parse()?;
            Ok(())
        } else {
            Err(meta.error("expected `local`, `vis = pub` or `crate = path`"))
        }
    });
    parse_macro_input!(args with parser);
    let item = parse_macro_input!(item as ItemImpl);
    match expand(options, item) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

struct Options {
    local: bool,
    krate: Path,
    vis: Visibility,
}

/// One method that becomes a message.
struct Method {
    ident: Ident,
    /// The method's own attributes that document it (copied onto the proxy method).
    docs: Vec<syn::Attribute>,
    vis: Visibility,
    /// The parameters that travel: (name for docs, type).
    args: Vec<(String, Type)>,
    /// Where `ctx` goes among the call's arguments, if the method takes it.
    ctx_at: Option<usize>,
    reply: Type,
    fallible: bool,
    span: Span,
}

fn expand(options: Options, item: ItemImpl) -> syn::Result<Tokens> {
    if let Some((path, _)) = &item.trait_ {
        return Err(syn::Error::new_spanned(
            path,
            "#[actor] goes on the actor's inherent impl block (`impl MyActor { .. }`)",
        ));
    }
    if !item.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &item.generics,
            "#[actor] does not support generic actors yet",
        ));
    }
    let self_ty = (*item.self_ty).clone();
    let type_ident = match &self_ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().map(|s| s.ident.clone()),
        _ => None,
    }
    .ok_or_else(|| syn::Error::new_spanned(&self_ty, "#[actor] needs a named type"))?;

    let mut methods = Vec::new();
    for entry in &item.items {
        if let ImplItem::Fn(f) = entry {
            if let Some(m) = method(f, &self_ty)? {
                methods.push(m);
            }
        }
    }

    let k = &options.krate;
    let type_vis = &options.vis;
    let type_name = type_ident.to_string();
    let proxy = format_ident!("{}Proxy", type_ident);

    let mut structs = Vec::new();
    let mut proxy_methods = Vec::new();
    let mut wire = Vec::new();
    let mut dispatch_arms = Vec::new();
    let mut infos = Vec::new();

    for m in &methods {
        let method_name = unraw(&m.ident);
        let msg = format_ident!("{}{}", type_ident, camel_case(&method_name), span = m.span);
        let vis = &m.vis;
        let types: Vec<&Type> = m.args.iter().map(|(_, t)| t).collect();
        let vars: Vec<Ident> = (0..m.args.len()).map(|i| format_ident!("a{}", i)).collect();
        let reply = &m.reply;
        let method = &m.ident;

        // The message struct, its Message and Handler impls.
        let msg_doc =
            format!(" The message of `{type_name}::{method_name}`: its parameters, in order.");
        let field_docs = m
            .args
            .iter()
            .map(|(name, _)| format!(" `{name}`."))
            .collect::<Vec<_>>();
        let mut call_args: Vec<Tokens> = vars.iter().map(|v| quote!(#v)).collect();
        if let Some(at) = m.ctx_at {
            call_args.insert(at, quote!(ctx));
        }
        let ctx_name = if m.ctx_at.is_some() {
            quote!(ctx)
        } else {
            quote!(_ctx)
        };
        let body = if m.fallible {
            quote!(self.#method(#(#call_args),*).map_err(#k::proxy::__private::failure))
        } else if is_unit(&m.reply) {
            quote! {
                self.#method(#(#call_args),*);
                ::core::result::Result::Ok(())
            }
        } else {
            quote!(::core::result::Result::Ok(self.#method(#(#call_args),*)))
        };
        // The message built from the variables `a0..`, and the pattern taking it apart.
        let (construct, destructure) = if vars.is_empty() {
            (quote!(#msg), quote!(#msg))
        } else {
            (quote!(#msg(#(#vars),*)), quote!(#msg(#(#vars),*)))
        };
        let from_one = if types.len() == 1 {
            let t = types[0];
            quote! {
                impl ::core::convert::From<#t> for #msg {
                    #[inline]
                    fn from(value: #t) -> Self {
                        #msg(value)
                    }
                }
            }
        } else {
            quote!()
        };
        let fields = types
            .iter()
            .zip(&field_docs)
            .map(|(t, d)| quote!(#[doc = #d] pub #t));
        let struct_body = if types.is_empty() {
            quote!(;)
        } else {
            quote!((#(#fields),*);)
        };
        let reply_span = m.reply.span();
        let message_impl = quote_spanned! {reply_span=>
            impl #k::Message for #msg {
                type Reply = #reply;
            }
        };
        structs.push(quote! {
            #[doc = #msg_doc]
            #type_vis struct #msg #struct_body

            #message_impl

            #from_one

            impl ::core::fmt::Debug for #msg {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    // The arguments need not be `Debug`.
                    f.write_str(::core::concat!(::core::stringify!(#msg), "(..)"))
                }
            }

            impl #k::Handler<#msg> for #self_ty {
                #[inline]
                fn handle(
                    &mut self,
                    msg: #msg,
                    #ctx_name: &mut #k::Context<'_, Self>,
                ) -> ::core::result::Result<#reply, #k::ActorError> {
                    let #destructure = msg;
                    #body
                }
            }
        });

        // The proxy method.
        let params = m.args.iter().zip(&vars).map(|((_, t), v)| quote!(#v: #t));
        let docs = &m.docs;
        let is_tell = is_unit(&m.reply);
        let how = if is_tell {
            format!(
                " Calls `{type_name}::{method_name}` (a tell: queued now, handled when the actor's turn comes; a call that cannot be delivered becomes a dead letter)."
            )
        } else {
            format!(
                " Calls `{type_name}::{method_name}` (an ask: a future of the reply; inside a handler, hand it to a continuation with `Ask::then`)."
            )
        };
        let separator = if docs.is_empty() {
            quote!()
        } else {
            quote!(#[doc = ""])
        };
        proxy_methods.push(if is_tell {
            quote! {
                #(#docs)*
                #separator
                #[doc = #how]
                #[inline]
                #vis fn #method(&self, #(#params),*) {
                    self.0.tell(#construct)
                }
            }
        } else {
            quote! {
                #(#docs)*
                #separator
                #[doc = #how]
                #[inline]
                #vis fn #method(&self, #(#params),*) -> #k::Ask<#reply> {
                    self.0.ask(#construct)
                }
            }
        });

        if !options.local {
            let id = method_name.clone();
            let arg_tuple = quote!((#(#types,)*));
            let var_tuple = quote!((#(#vars,)*));
            let field_tuple = {
                let idx = (0..types.len()).map(syn::Index::from);
                quote!((#(self.#idx,)*))
            };
            wire.push(quote_spanned! {m.span=>
                impl #k::wire::WireMessage for #msg {
                    const METHOD: &'static str = #id;
                    type Args = #arg_tuple;
                    #[inline]
                    fn from_args(#var_tuple: Self::Args) -> Self {
                        #construct
                    }
                    #[inline]
                    fn into_args(self) -> Self::Args {
                        #field_tuple
                    }
                }
            });
            dispatch_arms.push(quote!(#id => call.deliver::<#msg>(),));
            let arg_infos = m.args.iter().map(|(name, t)| {
                let t = type_text(t);
                quote!((#name, #t))
            });
            let reply_text = type_text(&m.reply);
            infos.push(quote! {
                #k::wire::MethodInfo {
                    name: #id,
                    args: &[#(#arg_infos),*],
                    reply: #reply_text,
                }
            });
        }
    }

    let proxy_doc = format!(
        " The typed proxy of [`{type_name}`]: one method per public method of the actor, each a message. Get one with `rt.actor::<{type_name}>(id)` (activated on first use) or `rt.proxy(&addr)`; it derefs to `ActorRef<{type_name}>`."
    );
    let dispatch = if options.local {
        quote!()
    } else {
        quote! {
            #(#wire)*

            impl #k::wire::Dispatch for #self_ty {
                const NAME: &'static str = #type_name;
                const METHODS: &'static [#k::wire::MethodInfo] = &[#(#infos),*];
                fn dispatch(
                    call: #k::wire::Call<'_, Self>,
                ) -> ::core::result::Result<(), #k::wire::CallError> {
                    match call.method() {
                        #(#dispatch_arms)*
                        _ => ::core::result::Result::Err(call.unknown_method()),
                    }
                }
            }
        }
    };

    Ok(quote! {
        #item

        #[doc = #proxy_doc]
        #[derive(Clone, PartialEq, Eq)]
        #type_vis struct #proxy(#k::ActorRef<#self_ty>);

        impl ::core::convert::From<#k::ActorRef<#self_ty>> for #proxy {
            #[inline]
            fn from(actor: #k::ActorRef<#self_ty>) -> Self {
                #proxy(actor)
            }
        }

        impl ::core::ops::Deref for #proxy {
            type Target = #k::ActorRef<#self_ty>;
            #[inline]
            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl ::core::fmt::Debug for #proxy {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                ::core::write!(f, "{}({})", ::core::stringify!(#proxy), self.0.id())
            }
        }

        impl #k::ProxyActor for #self_ty {
            type Proxy = #proxy;
        }

        impl #proxy {
            /// A copy whose asks fail with `AskError::Timeout` when no reply comes within
            /// `timeout` (on the driver's clock).
            pub fn within(&self, timeout: ::core::time::Duration) -> Self {
                #proxy(self.0.within(timeout))
            }

            #(#proxy_methods)*
        }

        #(#structs)*

        #dispatch
    })
}

/// The message a method becomes, or `None` if it stays a plain method.
fn method(f: &ImplItemFn, self_ty: &Type) -> syn::Result<Option<Method>> {
    if matches!(f.vis, Visibility::Inherited) {
        return Ok(None);
    }
    let sig = &f.sig;
    let Some(FnArg::Receiver(receiver)) = sig.inputs.first() else {
        return Ok(None); // an associated function (a constructor): not a message
    };
    if !matches!(receiver.kind, syn::ReceiverKind::Reference(..)) {
        return Err(syn::Error::new_spanned(
            receiver,
            "an actor method takes `&self` or `&mut self` (the actor keeps its state)",
        ));
    }
    if let Some(asyncness) = &sig.asyncness {
        return Err(syn::Error::new_spanned(
            asyncness,
            "async actor methods are not supported: return a value, or use `ctx.ask` / `Ask::then`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(
            &sig.generics,
            "an actor method cannot be generic: its message needs concrete types",
        ));
    }
    if unraw(&sig.ident) == "within" {
        return Err(syn::Error::new_spanned(
            &sig.ident,
            "`within` is taken by the proxy (asks with a deadline): rename this method",
        ));
    }
    let mut args = Vec::new();
    let mut ctx_at = None;
    for input in sig.inputs.iter().skip(1) {
        let FnArg::Typed(pat_type) = input else {
            continue;
        };
        let ty = &*pat_type.ty;
        if is_context(ty) {
            if ctx_at.is_some() {
                return Err(syn::Error::new_spanned(
                    ty,
                    "only one `&mut Context` parameter",
                ));
            }
            ctx_at = Some(args.len());
            continue;
        }
        check_owned(ty, "parameters")?;
        let name = match &*pat_type.pat {
            Pat::Ident(p) => unraw(&p.ident),
            _ => format!("arg{}", args.len()),
        };
        args.push((name, replace_self(ty, self_ty)));
    }
    if args.len() > 12 {
        return Err(syn::Error::new_spanned(
            &sig.inputs,
            "an actor method takes at most 12 parameters (group them in a struct)",
        ));
    }
    let (reply, fallible) = match &sig.output {
        ReturnType::Default => (syn::parse_quote!(()), false),
        ReturnType::Type(_, ty) => match result_ok_type(ty) {
            Some(ok) => (ok, true),
            None => ((**ty).clone(), false),
        },
    };
    check_owned(&reply, "replies")?;
    let docs = f
        .attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .cloned()
        .collect();
    Ok(Some(Method {
        ident: sig.ident.clone(),
        docs,
        vis: f.vis.clone(),
        args,
        ctx_at,
        reply: replace_self(&reply, self_ty),
        fallible,
        span: sig.ident.span(),
    }))
}

/// `&mut Context<..>`, the actor's context.
fn is_context(ty: &Type) -> bool {
    match ty {
        Type::Reference(r) if r.mutability.is_some() => match &*r.elem {
            Type::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "Context"),
            _ => false,
        },
        _ => false,
    }
}

fn check_owned(ty: &Type, what: &str) -> syn::Result<()> {
    match ty {
        Type::Reference(_) => Err(syn::Error::new_spanned(
            ty,
            format!("actor method {what} are owned values (a message outlives the call): use e.g. `String` for `&str`"),
        )),
        Type::ImplTrait(_) => Err(syn::Error::new_spanned(
            ty,
            format!("actor method {what} cannot be `impl Trait`: name the type"),
        )),
        _ => Ok(()),
    }
}

/// `T` of `Result<T, E>` (or of a one-parameter `Result<T>` alias).
fn result_ok_type(ty: &Type) -> Option<Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(generics) = &last.arguments else {
        return None;
    };
    match generics.args.first()? {
        syn::GenericArgument::Type(t) => Some(t.clone()),
        _ => None,
    }
}

fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(t) if t.elems.is_empty())
}

/// The type with `Self` replaced by the actor type (the messages live outside the impl).
fn replace_self(ty: &Type, self_ty: &Type) -> Type {
    fn walk(tokens: Tokens, self_ty: &Tokens) -> Tokens {
        tokens
            .into_iter()
            .flat_map(|tree| -> Vec<TokenTree> {
                match tree {
                    TokenTree::Ident(i) if i == "Self" => self_ty.clone().into_iter().collect(),
                    TokenTree::Group(g) => {
                        let mut group =
                            proc_macro2::Group::new(g.delimiter(), walk(g.stream(), self_ty));
                        group.set_span(g.span());
                        vec![TokenTree::Group(group)]
                    }
                    other => vec![other],
                }
            })
            .collect()
    }
    let replaced = walk(ty.to_token_stream(), &self_ty.to_token_stream());
    syn::parse2(replaced).unwrap_or_else(|_| ty.clone())
}

/// A type as text, without the spaces token printing puts around punctuation.
fn type_text(ty: &Type) -> String {
    let text = ty.to_token_stream().to_string();
    let mut out = String::with_capacity(text.len());
    let chars: Vec<char> = text.chars().collect();
    for (i, c) in chars.iter().enumerate() {
        if *c == ' ' {
            let before = if i > 0 { chars[i - 1] } else { ' ' };
            let after = chars.get(i + 1).copied().unwrap_or(' ');
            if matches!(before, '<' | ':' | '(' | '[' | '&')
                || matches!(after, '<' | '>' | ':' | ',' | ')' | ']' | ';')
            {
                continue;
            }
        }
        out.push(*c);
    }
    out
}

fn unraw(ident: &Ident) -> String {
    let s = ident.to_string();
    s.strip_prefix("r#").map(str::to_string).unwrap_or(s)
}

/// `say_hello` -> `SayHello`.
fn camel_case(name: &str) -> String {
    name.split('_')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(camel_case("say_hello"), "SayHello");
        assert_eq!(camel_case("get"), "Get");
        assert_eq!(camel_case("add_item_2"), "AddItem2");
    }

    #[test]
    fn type_texts() {
        let t: Type = syn::parse_quote!(Vec<(u32, String)>);
        assert_eq!(type_text(&t), "Vec<(u32, String)>");
        let t: Type = syn::parse_quote!(std::collections::BTreeMap<String, [u8; 4]>);
        assert_eq!(type_text(&t), "std::collections::BTreeMap<String, [u8; 4]>");
        let t: Type = syn::parse_quote!(());
        assert_eq!(type_text(&t), "()");
    }

    #[test]
    fn self_is_replaced() {
        let t: Type = syn::parse_quote!(Vec<Self>);
        let s: Type = syn::parse_quote!(Counter);
        assert_eq!(type_text(&replace_self(&t, &s)), "Vec<Counter>");
    }
}
