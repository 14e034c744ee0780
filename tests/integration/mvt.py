"""A reader of Mapbox Vector Tiles (the protocol buffers of the MVT 2.1 specification), so that
the tests check the tiles dmrd serves without trusting PostGIS to read its own output."""

import struct


def _varint(buf, i):
    shift = result = 0
    while True:
        b = buf[i]
        i += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, i
        shift += 7


def _fields(buf):
    """(field number, value) of each field of a message: an int for a varint, bytes else."""
    i = 0
    while i < len(buf):
        key, i = _varint(buf, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(buf, i)
        elif wire == 2:
            n, i = _varint(buf, i)
            value, i = bytes(buf[i:i + n]), i + n
        elif wire == 1:
            value, i = bytes(buf[i:i + 8]), i + 8
        elif wire == 5:
            value, i = bytes(buf[i:i + 4]), i + 4
        else:
            raise ValueError(f"wire type {wire} at byte {i}")
        yield number, value


def _packed(buf):
    out, i = [], 0
    while i < len(buf):
        v, i = _varint(buf, i)
        out.append(v)
    return out


def _zigzag(n):
    return (n >> 1) ^ -(n & 1)


def _value(buf):
    for number, v in _fields(buf):
        if number == 1:
            return v.decode("utf-8")
        if number == 2:
            return struct.unpack("<f", v)[0]
        if number == 3:
            return struct.unpack("<d", v)[0]
        if number == 4:
            return v - (1 << 64) if v >= 1 << 63 else v
        if number == 5:
            return v
        if number == 6:
            return _zigzag(v)
        if number == 7:
            return bool(v)
    raise ValueError("a value without a type")


def _geometry(commands):
    """The parts of a geometry: each a list of (x, y) in tile coordinates; a polygon's rings
    are closed (their first point repeated)."""
    x = y = 0
    parts, i = [], 0
    while i < len(commands):
        op, count = commands[i] & 7, commands[i] >> 3
        i += 1
        if op in (1, 2):
            for _ in range(count):
                x += _zigzag(commands[i])
                y += _zigzag(commands[i + 1])
                i += 2
                if op == 1:
                    parts.append([(x, y)])
                else:
                    parts[-1].append((x, y))
        elif op == 7:
            parts[-1].append(parts[-1][0])
        else:
            raise ValueError(f"geometry command {op}")
    return parts


_TYPES = {1: "Point", 2: "LineString", 3: "Polygon"}


def _feature(buf, keys, values):
    f = {"id": None, "type": None, "properties": {}, "geometry": []}
    for number, v in _fields(buf):
        if number == 1:
            f["id"] = v
        elif number == 2:
            tags = _packed(v)
            f["properties"] = {keys[tags[i]]: values[tags[i + 1]]
                               for i in range(0, len(tags), 2)}
        elif number == 3:
            f["type"] = _TYPES[v]
        elif number == 4:
            f["geometry"] = _geometry(_packed(v))
    return f


def _layer(buf):
    layer = {"name": None, "version": None, "extent": 4096}
    keys, values, raw = [], [], []
    for number, v in _fields(buf):
        if number == 1:
            layer["name"] = v.decode("utf-8")
        elif number == 2:
            raw.append(v)
        elif number == 3:
            keys.append(v.decode("utf-8"))
        elif number == 4:
            values.append(_value(v))
        elif number == 5:
            layer["extent"] = v
        elif number == 15:
            layer["version"] = v
    layer["features"] = [_feature(f, keys, values) for f in raw]
    return layer


def decode(data):
    """The layers of a tile, by name: {"name", "version", "extent", "features"}, each
    feature {"id", "type", "properties", "geometry"}."""
    layers = {}
    for number, v in _fields(data):
        if number == 3:
            layer = _layer(v)
            assert layer["name"] not in layers, f"two layers named {layer['name']}"
            layers[layer["name"]] = layer
        else:
            raise ValueError(f"a tile holds layers only, not field {number}")
    return layers
