"""Fast serialisation of untouched generated products: the exact JSON ``json.dumps`` would write.

Reading a 100,000-product catalog with ``include=variants`` is half a gigabyte of JSON; building a
dict per product and variant and encoding it costs about three times as much as filling one string
template per object. This module does the latter for products that have no overrides (nothing was
written to them), with ``json.dumps(..., separators=(",", ":"))`` semantics: floats by ``repr``,
strings by the encoder's own ASCII escaping. Everything else goes through :mod:`render`; a test
checks that both give the same document for every product.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii as _q

from backorder_desktop.demo.generator import TRACK_PRODUCT
from backorder_desktop.demo.generator import TRACK_VARIANT
from backorder_desktop.demo.generator import TRACKING_NAMES
from backorder_desktop.demo.generator import ProductText
from backorder_desktop.demo.render import calculated
from backorder_desktop.demo.render import iso
from backorder_desktop.demo.render import slug
from backorder_desktop.demo.storage import Storage

_TRACKING = tuple(_q(name) for name in TRACKING_NAMES)


def _bool(value: bool) -> str:
    return "true" if value else "false"


def untouched(st: Storage, product_id: int) -> bool:
    """True when nothing was ever written to the product or its variants (it is purely generated)."""
    if product_id in st.p_over or product_id in st.custom_text:
        return False
    return not st.v_over or not any(v in st.v_over for v in st.variant_ids(product_id))


def _variant_json(st: Storage, variant_id: int, owner: int, text: ProductText, index: int, stock: int) -> str:
    price = st.cols.v_price[variant_id - 1] / 100
    sale = round(price * text.sale_ratio, 2) if text.sale_ratio else 0.0
    weight = repr(text.weight)
    values = []
    for option_index, value_index in text.variant_values[index]:
        option = text.options[option_index]
        value_id, label = option.values[value_index]
        values.append(
            f'{{"id":{value_id},"label":{_q(label)},"option_id":{option.option_id},'
            f'"option_display_name":{_q(option.display_name)}}}'
        )
    sku_id = "null" if not text.options else str(variant_id)
    return (
        f'{{"id":{variant_id},"product_id":{owner},"sku":{_q(text.variant_skus[index])},"sku_id":{sku_id},'
        f'"price":{price!r},"calculated_price":{calculated(price, sale)!r},"sale_price":{sale!r},'
        f'"retail_price":0.0,"map_price":0.0,"weight":{weight},"calculated_weight":{weight},'
        f'"width":{text.width!r},"height":{text.height!r},"depth":{text.depth!r},"is_free_shipping":false,'
        f'"fixed_cost_shipping_price":0.0,"purchasing_disabled":false,"purchasing_disabled_message":"",'
        f'"image_url":"","cost_price":{round(price * text.cost_ratio, 2)!r},"upc":"","mpn":"","gtin":"",'
        f'"inventory_level":{stock},"inventory_warning_level":{text.warning_level},"bin_picking_number":"",'
        f'"option_values":[{",".join(values)}]}}'
    )


def product_json(st: Storage, product_id: int, with_variants: bool) -> str:
    """The product (with ``variants`` if asked) as JSON text; only for :func:`untouched` products."""
    cols = st.cols
    i = product_id - 1
    text = st.text(product_id)
    tracking = cols.tracking[i]
    price = cols.price[i] / 100
    sale = round(price * text.sale_ratio, 2) if text.sale_ratio else 0.0
    first = cols.first_variant[i]
    simple = not text.options
    variants = ""
    if with_variants:
        parts = []
        for index in range(cols.nvar[i]):
            variant_id = first + index
            if tracking == TRACK_VARIANT:
                stock = st.variant_raw_stock(variant_id)
            elif tracking == TRACK_PRODUCT and simple:
                stock = st.hidden.get(("p", product_id), cols.stock[i])
            else:
                stock = 0
            parts.append(_variant_json(st, variant_id, product_id, text, index, stock))
        variants = f',"variants":[{",".join(parts)}]'
    return (
        f'{{"id":{product_id},"name":{_q(text.name)},"type":"physical","sku":{_q(text.sku)},'
        f'"description":{_q(text.description)},"weight":{text.weight!r},"width":{text.width!r},'
        f'"depth":{text.depth!r},"height":{text.height!r},"price":{price!r},'
        f'"cost_price":{round(price * text.cost_ratio, 2)!r},"retail_price":0.0,"sale_price":{sale!r},'
        f'"map_price":0,"tax_class_id":0,"product_tax_code":"",'
        f'"calculated_price":{calculated(price, sale)!r},'
        f'"categories":[{text.category_id}],"brand_id":{text.brand_id},'
        f'"inventory_level":{st.product_stock(product_id)},"inventory_warning_level":{text.warning_level},'
        f'"inventory_tracking":{_TRACKING[tracking]},"reviews_rating_sum":{text.reviews_rating_sum},'
        f'"reviews_count":{text.reviews_count},"total_sold":{text.total_sold},"fixed_cost_shipping_price":0.0,'
        f'"is_free_shipping":false,"is_visible":{_bool(bool(cols.visible[i]))},'
        f'"is_featured":{_bool(text.is_featured)},"related_products":[],"warranty":"","bin_picking_number":"",'
        f'"layout_file":"product.html","upc":"","mpn":"","gtin":"","search_keywords":"",'
        f'"availability":"available","availability_description":"","gift_wrapping_options_type":"any",'
        f'"gift_wrapping_options_list":[],"sort_order":0,"condition":"New","is_condition_shown":false,'
        f'"order_quantity_minimum":0,"order_quantity_maximum":0,"page_title":"","meta_keywords":[],'
        f'"meta_description":"","date_created":"{iso(cols.created[i])}",'
        f'"date_modified":"{iso(cols.modified[i])}","view_count":0,"preorder_release_date":null,'
        f'"preorder_message":"","is_preorder_only":false,"is_price_hidden":false,"price_hidden_label":"",'
        f'"custom_url":{{"url":{_q("/" + slug(text.name) + "/")},"is_customized":false}},'
        f'"base_variant_id":{first if simple else "null"},"open_graph_type":"product",'
        f'"open_graph_title":"","open_graph_description":"","open_graph_use_meta_description":true,'
        f'"open_graph_use_product_name":true,"open_graph_use_image":true{variants}}}'
    )
