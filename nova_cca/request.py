"""Which memory-encryption model a request means.

Nova defaults a request without a model to ``amd-sev``. SEV cannot exist on
Arm, so an image that declares ``hw_architecture=aarch64`` and asks for
memory encryption without naming a model means an Arm CCA realm. Without a
declared architecture Nova's default stays.
"""

from nova_cca import model


def implied_model(flavor, image_meta):
    """The model a request implies without naming one, or None.

    Returns ``arm-cca`` when neither the flavor nor the image names a model
    and the image declares ``hw_architecture=aarch64``. Whether encryption
    is requested at all is left to Nova's own checks.
    """
    props = image_meta.properties
    if props.get('hw_mem_encryption_model') is not None:
        return None
    if flavor.get('extra_specs', {}).get('hw:mem_encryption_model'):
        return None
    if props.get('hw_architecture') == model.AARCH64:
        return model.ARM_CCA
    return None


def with_implied_model(flavor, image_meta):
    """``image_meta`` with the implied model set, or unchanged."""
    implied = implied_model(flavor, image_meta)
    if implied is None:
        return image_meta
    image_meta = image_meta.obj_clone()
    image_meta.properties.hw_mem_encryption_model = implied
    return image_meta
