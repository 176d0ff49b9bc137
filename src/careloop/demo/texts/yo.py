"""Ticket texts in Yoruba (customers in Nigeria), with the English loanwords people use."""

from careloop.demo.texts.kinds import Complaint as C
from careloop.demo.texts.kinds import LanguageTexts

TEXTS = LanguageTexts(
    complaints={
        "logistics": [
            C(
                "Oda {order} mi kò tíì dé",
                "Ẹ kú iṣẹ́ o. Mo ṣe oda {order} ní ọ̀sẹ̀ tó kọjá, ṣùgbọ́n tracking {carrier} "
                "({tracking}) kò yí padà fún ọjọ́ mélòó kan. Mo nílò wig yìí fún ìgbéyàwó ní "
                "òpin ọ̀sẹ̀ tó ń bọ̀. Ẹ jọ̀ọ́, ẹ sọ fún mi ibi tí ẹrù mi wà.",
                "delayed",
            ),
            C(
                "Ẹrù mi wà ní customs",
                "Ẹ kú iṣẹ́. Ẹrù oda {order} ti wà ní 'held at customs' lórí {carrier} fún nǹkan "
                "bí ọ̀sẹ̀ kan. Ṣé mo ní láti san owó kankan? Kò sí ẹni tó kàn sí mi.",
                "customs",
            ),
        ],
        "quality": [
            C(
                "Irun wig náà ń jábọ́ púpọ̀",
                "Ẹ kú iṣẹ́ o. Mo gba {product} ní ọ̀sẹ̀ tó kọjá, irun rẹ̀ sì ń jábọ́ gan-an. "
                "Gbogbo ìgbà tí mo bá yà á, irun púpọ̀ máa ń kù sí ọwọ́ mi. Ẹ̀ẹ̀kan péré ni mo fọ̀ "
                "ọ́ bí ẹ ṣe sọ. Oda {order}.",
                "shedding",
            ),
            C(
                "Irun ń dì pọ̀ lẹ́yìn tí mo fọ̀ ọ́",
                "Ẹ kú iṣẹ́. Irun {product} (oda {order}) ti ń dì pọ̀ lẹ́yìn ọrùn láti ìgbà "
                "àkọ́kọ́ tí mo fọ̀ ọ́, ó sì ti gbẹ. Mo retí ohun tó dára jù bẹ́ẹ̀ lọ fún owó yìí.",
                "tangling",
            ),
        ],
        "wrong_item": [
            C(
                "Ohun tí mo gbà kì í ṣe èyí tí mo rà",
                "Ẹ kú iṣẹ́. Mo ra {product} ṣùgbọ́n {other} ni mo rí nínú àpótí. Oda {order}. "
                "Ẹ jọ̀ọ́, ẹ fi èyí tó tọ́ ránṣẹ́ sí mi kíákíá.",
                "wrong_item",
            ),
            C(
                "Gígùn irun kò bá oda mi mu",
                "Ẹ kú iṣẹ́. Fún oda {order}, mo sanwó fún {product} ṣùgbọ́n gígùn mìíràn ni mo "
                "gbà. Label ara àpò kò bá oda mi mu.",
                "wrong_item length",
            ),
        ],
        "size_color": [
            C(
                "Cap wig náà kéré jù",
                "Ẹ kú iṣẹ́. Cap {product} há mi jù, orí máa ń fọ́ mi lẹ́yìn wákàtí kan. Ṣé ẹ ní "
                "èyí tó tóbi jù, àbí kí n pààrọ̀ rẹ̀? Oda {order}.",
                "cap_size",
            ),
            C(
                "Àwọ̀ rẹ̀ yàtọ̀ sí ti fọ́tò",
                "Ẹ kú iṣẹ́. Àwọ̀ {product} fúyẹ́ ju ti orí website yín lọ, kò sì bá irun mi mu "
                "rárá. Ṣé mo lè pààrọ̀ rẹ̀? Oda {order}.",
                "colour",
            ),
        ],
        "refund": [
            C(
                "Ẹ kò tíì dá owó mi padà",
                "Ẹ kú iṣẹ́. Mo dá ẹrù oda {order} padà ní ọ̀sẹ̀ méjì sẹ́yìn, ṣùgbọ́n ẹ kò tíì dá "
                "owó mi padà. Ẹ jọ̀ọ́ ẹ yẹ̀ ẹ́ wò.",
                "refund_status",
            ),
            C(
                "Mo fẹ́ fagi lé oda mi",
                "Ẹ kú iṣẹ́. Ẹ jọ̀ọ́ ẹ fagi lé oda {order} kí ẹ sì dá owó mi padà. Mo ti rí ohun "
                "tí mo nílò níbòmíràn. Ẹ ṣé.",
                "cancellation",
            ),
        ],
        "not_as_described": [
            C(
                "Irun kò nípọn bí ẹ ṣe polówó",
                "Ẹ kú iṣẹ́. Ẹ polówó {product} pé density rẹ̀ jẹ́ 180%, ṣùgbọ́n irun rẹ̀ fọ́nká, "
                "cap ń hàn. Èyí kọ́ ni mo sanwó fún. Oda {order}.",
                "density",
            ),
            C(
                "Kì í ṣe HD lace",
                "Ẹ kú iṣẹ́. Ìpolówó sọ pé HD lace ni, ṣùgbọ́n lace {product} jẹ́ àwọ̀ ilẹ̀, ó sì "
                "ń hàn lára mi. Oda {order}.",
                "lace_type",
            ),
        ],
        "other": [
            C(
                "Ìbéèrè nípa ìfiránṣẹ́",
                "Ẹ kú iṣẹ́. Ọjọ́ mélòó ni ó máa ń gbà kí ẹrù dé Nàìjíríà, ṣé ẹ sì ní express? "
                "Mo fẹ́ ra {product} fún ọjọ́ ìbí mi.",
                "pre_sale",
            ),
            C(
                "Báwo ni mo ṣe lè tọ́jú wig mi?",
                "Ẹ kú iṣẹ́. Shampoo àti conditioner wo ni ẹ dábàá fún {product}? Ṣé mo lè lo "
                "flat iron?",
                "care_advice",
            ),
        ],
    },
    first_replies={
        "logistics": "Ẹ n lẹ́ {first},\n\nẸ ṣé tí ẹ kàn sí wa, ẹ má bínú pé ẹ dúró. Mo ti yẹ "
        "tracking {tracking} {carrier} fún oda {order} wò, mo sì ti bẹ̀rẹ̀ ìwádìí pẹ̀lú wọn. Màá "
        "fi tó yín létí ní kété tí mo bá gbọ́ lọ́dọ̀ wọn, nígbà gbogbo láàrin wákàtí mẹ́rìnlélógún.",
        "quality": "Ẹ n lẹ́ {first},\n\nẸ má bínú rárá fún èyí. Ẹ jọ̀ọ́, ẹ fi fọ́tò méjì tàbí "
        "mẹ́ta tàbí fídíò kúkúrú ti irun náà àti label àpò ránṣẹ́ sí wa. Tí a bá ti rí i, a máa "
        "fi òmíràn ránṣẹ́ tàbí dá owó oda {order} padà, èyí tí ẹ bá fẹ́.",
        "wrong_item": "Ẹ n lẹ́ {first},\n\nẸ má bínú fún àṣìṣe yìí. A ti fi {product} tó tọ́ "
        "ránṣẹ́ lónìí fún oda {order}, ẹ ó sì gba label láti dá èkejì padà lọ́fẹ̀ẹ́ nínú ímeèlì "
        "yín.",
        "size_color": "Ẹ n lẹ́ {first},\n\nẸ ṣé tí ẹ sọ fún wa. A lè pààrọ̀ {product} tí ẹ kò bá "
        "tíì gé e tàbí pa á láró. Mo ti fi label ìdápadà ránṣẹ́; ẹ sọ fún mi ìwọ̀n cap tàbí "
        "àwọ̀ tí ẹ fẹ́.",
        "refund": "Ẹ n lẹ́ {first},\n\nMo ti rí ìbéèrè yín fún oda {order}, mo sì ti fi ránṣẹ́ sí "
        "ẹgbẹ́ tó ń ṣe ìsanwó. Ẹ ó gba ìfìdímúlẹ̀ ní kété tí a bá dá owó náà padà.",
        "not_as_described": "Ẹ n lẹ́ {first},\n\nẸ ṣé fún àlàyé yín, ẹ má bínú pé {product} kò "
        "rí bí ẹ ṣe retí. Ṣé ẹ lè fi fọ́tò tí ẹ yà ní ojúmọmọ ránṣẹ́? Màá gbé e lọ sọ́dọ̀ ẹgbẹ́ "
        "ọjà wa, màá sì padà wá pẹ̀lú ọ̀nà àbáyọ.",
        "other": "Ẹ n lẹ́ {first},\n\nẸ ṣé fún ìbéèrè yín! Ìfiránṣẹ́ déédéé máa ń gba ọjọ́ iṣẹ́ "
        "mẹ́ta sí méje, express sì máa ń gba ọjọ́ kan sí mẹ́ta. Ẹ lo shampoo tí kò ní sulphate, ẹ "
        "má sì jẹ́ kí ooru kọjá 180 °C.",
    },
    resolutions={
        "logistics": "Ẹ n lẹ́ {first},\n\nÌròyìn ayọ̀: {carrier} ti fìdí múlẹ̀ pé ẹrù yín ti ń "
        "bọ̀ lọ́nà, ó sì yẹ kí ó dé láàrin ọjọ́ méjì. Màá pa ìbéèrè yìí dé, ṣùgbọ́n ẹ fèsì síbí "
        "tí kò bá dé.",
        "quality": "Ẹ n lẹ́ {first},\n\nẸ ṣé fún àwọn fọ́tò. A ti dá gbogbo owó {product} ti oda "
        "{order} padà; yóò wọlé láàrin ọjọ́ iṣẹ́ márùn-ún sí mẹ́wàá. Ẹ kò nílò láti dá a padà. A "
        "ti fi ìròyìn yín tó ẹgbẹ́ tó ń mójútó dídára ọjà létí.",
        "wrong_item": "Ẹ n lẹ́ {first},\n\nGẹ́gẹ́ bí tracking ṣe fi hàn, {product} tó tọ́ ti dé "
        "ọ̀dọ̀ yín. Ẹ ṣé fún sùúrù yín!",
        "size_color": "Ẹ n lẹ́ {first},\n\nA ti gba ẹrù tí ẹ dá padà, èyí tí ẹ fẹ́ pààrọ̀ sì ti ń bọ̀.",
        "refund": "Ẹ n lẹ́ {first},\n\nA ti dá owó oda {order} padà lónìí. Ó lè gba ọjọ́ iṣẹ́ "
        "márùn-ún sí mẹ́wàá kí ó tó hàn nínú àkáǹtì yín, gẹ́gẹ́ bí bánkì yín ṣe rí.",
        "not_as_described": "Ẹ n lẹ́ {first},\n\nLáti tọrọ àforíjì, a ti dá ìdá ọgbọ̀n nínú "
        "ọgọ́rùn-ún owó {product} padà fún yín. Tí ẹ bá fẹ́ dá a padà, a máa dá gbogbo owó náà "
        "padà.",
        "other": "Ẹ n lẹ́ {first},\n\nInú mi dùn pé mo ràn yín lọ́wọ́. Ẹ ní ọjọ́ àtàtà!",
    },
    follow_ups=[
        "Ṣé ìròyìn kankan wà lórí èyí?",
        "Ẹ jọ̀ọ́, mi ò tíì gbọ́ nǹkan kan.",
        "Ẹ ṣé, mo ti fi àwọn fọ́tò tí ẹ béèrè ránṣẹ́.",
    ],
    thanks=["Ẹ ṣé gan-an fún ìrànlọ́wọ́ yín!", "Mo ti gbà á, ẹ ṣé o."],
    signature="Ẹ ṣé,\n{agent}\nÌtọ́jú Oníbàárà, {brand}",
)
